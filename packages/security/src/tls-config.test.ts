import { describe, expect, it } from 'vitest';
import { parseClientAuth, tlsConfigFromProperties } from './tls-config.js';

describe('TLS settings under librdkafka names', () => {
  it('reads ssl.* properties and ignores the others', () => {
    expect(tlsConfigFromProperties({ 'ssl.certificate.location': 'a.pem', 'ssl.key.location': 'a-key.pem', 'ssl.ca.location': 'ca.pem', 'ssl.client.auth': 'Required', 'security.protocol': 'SSL' })).toEqual({
      certificateLocation: 'a.pem',
      keyLocation: 'a-key.pem',
      caLocation: 'ca.pem',
      clientAuth: 'required',
    });
    expect(tlsConfigFromProperties({ 'ssl.certificate.location': 'a.pem', 'ssl.key.location': 'a-key.pem' })).toEqual({ certificateLocation: 'a.pem', keyLocation: 'a-key.pem', clientAuth: 'none' });
  });

  it('refuses a certificate without a key and an unknown ssl.client.auth', () => {
    expect(() => tlsConfigFromProperties({ 'ssl.certificate.location': 'a.pem' })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG', message: 'TLS needs both ssl.certificate.location and ssl.key.location.' }));
    expect(() => parseClientAuth('sometimes')).toThrow("ssl.client.auth takes none, requested, required; got 'sometimes'.");
  });
});
