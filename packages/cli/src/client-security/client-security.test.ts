import { describe, expect, it } from 'vitest';
import { clientSecurity } from './client-security.js';

const readPem = (location: string): string => `PEM of ${location}`;

describe('clientSecurity', () => {
  it('maps SASL_SSL to the SDK ssl (CA read from ssl.ca.location) and sasl options, SCRAM-SHA-512 by default', () => {
    expect(clientSecurity({ securityProtocol: 'SASL_SSL', saslUsername: 'admin', saslPassword: 'pw', sslCaLocation: '/ca.pem' }, readPem)).toEqual({
      ssl: { ca: 'PEM of /ca.pem' },
      sasl: { mechanism: 'scram-sha-512', username: 'admin', password: 'pw' },
    });
  });

  it('uses only what the protocol uses, as librdkafka does', () => {
    const everything = { saslMechanism: 'PLAIN', saslUsername: 'u', saslPassword: 'p', sslCaLocation: '/ca.pem' } as const;
    expect(clientSecurity(everything, readPem)).toEqual({});
    expect(clientSecurity({ ...everything, securityProtocol: 'PLAINTEXT' }, readPem)).toEqual({});
    expect(clientSecurity({ ...everything, securityProtocol: 'SASL_PLAINTEXT' }, readPem)).toEqual({ sasl: { mechanism: 'plain', username: 'u', password: 'p' } });
    expect(clientSecurity({ ...everything, securityProtocol: 'SSL' }, readPem)).toEqual({ ssl: { ca: 'PEM of /ca.pem' } });
    // TLS against the system's CAs.
    expect(clientSecurity({ securityProtocol: 'SSL' }, readPem)).toEqual({ ssl: true });
    expect(clientSecurity({ securityProtocol: 'SSL', sslCertificateLocation: '/c.pem', sslKeyLocation: '/k.pem' }, readPem)).toEqual({
      ssl: { cert: 'PEM of /c.pem', key: 'PEM of /k.pem' },
    });
  });

  it('refuses SASL without a user and password, and a certificate without its key', () => {
    expect(() => clientSecurity({ securityProtocol: 'SASL_SSL', saslUsername: 'u' }, readPem)).toThrow(/needs sasl.username and sasl.password/);
    expect(() => clientSecurity({ securityProtocol: 'SSL', sslCertificateLocation: '/c.pem' }, readPem)).toThrow(/go together/);
  });
});
