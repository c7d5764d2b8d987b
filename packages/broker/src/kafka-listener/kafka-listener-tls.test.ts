import { describe, expect, it } from 'vitest';
import { kafkaListenerTls } from './kafka-listener-tls.js';

const SSL = { certificateLocation: '/nonexistent/broker.pem', keyLocation: '/nonexistent/broker-key.pem', clientAuth: 'none' } as const;

describe('kafkaListenerTls', () => {
  it('is off for PLAINTEXT', async () => {
    await expect(kafkaListenerTls({ kafkaSecurityProtocol: 'PLAINTEXT' })).resolves.toBeUndefined();
  });

  it('refuses a protocol and ssl settings that disagree', async () => {
    await expect(kafkaListenerTls({ kafkaSecurityProtocol: 'PLAINTEXT', kafkaSsl: SSL })).rejects.toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining('security protocol PLAINTEXT') });
    await expect(kafkaListenerTls({ kafkaSecurityProtocol: 'SSL' })).rejects.toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining('no ssl.certificate.location') });
    await expect(kafkaListenerTls({ kafkaSecurityProtocol: 'SASL_PLAINTEXT', kafkaSsl: SSL })).rejects.toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining('set it to SASL_SSL') });
    await expect(kafkaListenerTls({ kafkaSecurityProtocol: 'SASL_SSL' })).rejects.toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining('security protocol SASL_SSL but no ssl.certificate.location') });
  });

  it('is off for SASL_PLAINTEXT and loads the files for SASL_SSL', async () => {
    await expect(kafkaListenerTls({ kafkaSecurityProtocol: 'SASL_PLAINTEXT' })).resolves.toBeUndefined();
    await expect(kafkaListenerTls({ kafkaSecurityProtocol: 'SASL_SSL', kafkaSsl: SSL })).rejects.toMatchObject({ message: 'ssl.certificate.location /nonexistent/broker.pem does not exist.' });
  });

  it('loads the files for SSL, failing on the first bad one by name', async () => {
    await expect(kafkaListenerTls({ kafkaSecurityProtocol: 'SSL', kafkaSsl: SSL })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: 'ssl.certificate.location /nonexistent/broker.pem does not exist.',
    });
  });
});
