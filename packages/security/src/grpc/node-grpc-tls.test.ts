import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { startNodeGrpcTls } from './node-grpc-tls.js';

const logger = pino({ level: 'silent' });
const SSL = { certificateLocation: '/nonexistent/n.pem', keyLocation: '/nonexistent/n-key.pem', clientAuth: 'none' as const };

describe('startNodeGrpcTls', () => {
  it('is plaintext for PLAINTEXT and SASL_PLAINTEXT without ssl settings', async () => {
    for (const securityProtocol of ['PLAINTEXT', 'SASL_PLAINTEXT']) {
      const tls = await startNodeGrpcTls({ securityProtocol, ssl: undefined, reloadDebounceMs: 10, logger });
      expect(tls.secure).toBe(false);
      expect(tls.serverCredentials._isSecure()).toBe(false);
      expect(tls.channelCredentials()._isSecure()).toBe(false);
    }
  });

  it('refuses a protocol and ssl settings that disagree, and files that cannot be read, at start', async () => {
    await expect(startNodeGrpcTls({ securityProtocol: 'PLAINTEXT', ssl: SSL, reloadDebounceMs: 10, logger })).rejects.toThrow('ssl settings but security protocol PLAINTEXT');
    await expect(startNodeGrpcTls({ securityProtocol: 'SSL', ssl: undefined, reloadDebounceMs: 10, logger })).rejects.toThrow('security protocol SSL but no ssl.certificate.location');
    await expect(startNodeGrpcTls({ securityProtocol: 'SASL_SSL', ssl: SSL, reloadDebounceMs: 10, logger })).rejects.toThrow('ssl.certificate.location /nonexistent/n.pem does not exist');
  });
});
