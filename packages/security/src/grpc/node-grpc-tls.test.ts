import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Server, credentials, status, type ServiceError } from '@grpc/grpc-js';
import { createServiceClient, loadQuillPackage, type RaftHandlers } from '@quill/proto';
import { eventually } from '@quill/test-support';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { generateDevCertificates } from '../dev-certificates.js';
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

  it('puts replaced certificate files in force on the bound port while it serves', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'quill-node-grpc-tls-'));
    const server = new Server();
    try {
      const before = await generateDevCertificates(path.join(dir, 'before'), { nodeNames: ['node'], clientNames: [] });
      const after = await generateDevCertificates(path.join(dir, 'after'), { nodeNames: ['node'], clientNames: [] });
      const live = { certificateLocation: path.join(dir, 'node.pem'), keyLocation: path.join(dir, 'node-key.pem'), clientAuth: 'none' as const };
      const install = (files: typeof before): void => {
        copyFileSync(files.endpoints.get('node')!.keyLocation, live.keyLocation);
        copyFileSync(files.endpoints.get('node')!.certificateLocation, live.certificateLocation);
      };
      install(before);
      const tls = await startNodeGrpcTls({ securityProtocol: 'SSL', ssl: live, reloadDebounceMs: 10, logger });
      const handlers: Partial<RaftHandlers> = { TimeoutNow: (_call, callback) => callback(null, {}) };
      server.addService(loadQuillPackage().quill.v1.Raft.service, handlers as RaftHandlers);
      const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', tls.serverCredentials, (e, p) => (e ? reject(e) : resolve(p))));
      const statusTrusting = (caLocation: string): Promise<number> => {
        const client = createServiceClient('Raft', `localhost:${port}`, { credentials: credentials.createSsl(readFileSync(caLocation)) });
        return new Promise((resolve) =>
          client.TimeoutNow({ clusterId: 'c', destinationId: 1 }, { deadline: Date.now() + 3000 }, (error: ServiceError | null) => {
            client.close();
            resolve(error === null ? status.OK : error.code);
          }),
        );
      };
      expect(await statusTrusting(before.caLocation)).toBe(status.OK);
      install(after);
      await eventually(async () => (await statusTrusting(after.caLocation)) === status.OK, { description: 'the replaced certificate in force' });
      expect(await statusTrusting(before.caLocation)).toBe(status.UNAVAILABLE);
      tls.close();
    } finally {
      server.forceShutdown();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
