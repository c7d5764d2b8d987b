import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { generateDevCertificates } from '@quill/security';
import { freePort } from '@quill/test-support';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { ControllerNode } from './controller-node.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-controller-start-failure-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('ControllerNode.start on a port it cannot bind', () => {
  // A TLS port's certificate reloader listens for SIGHUP until closed: a node that failed to
  // start must leave no listener behind, nor its Raft storage open.
  it('closes its TLS watchers and Raft storage before failing, so the same data dir starts afterwards', async () => {
    const certificates = await generateDevCertificates(path.join(root, 'certificates'), { nodeNames: ['controller-1'], clientNames: [] });
    const occupied = net.createServer();
    await new Promise<void>((resolve) => occupied.listen(0, '127.0.0.1', resolve));
    const taken = (occupied.address() as net.AddressInfo).port;
    const options = (port: number) => ({
      nodeId: 1,
      clusterId: 'c',
      listen: { host: '127.0.0.1', port },
      voters: new Map([[1, { host: '127.0.0.1', port }]]),
      dataDir: path.join(root, 'c1'),
      logger: pino({ level: 'silent' }),
      brokerSessionTimeoutMs: 60_000,
      securityProtocol: 'SSL' as const,
      ssl: { ...certificates.endpoints.get('controller-1')!, caLocation: certificates.caLocation, clientAuth: 'required' as const },
    });
    const sighupListeners = process.listenerCount('SIGHUP');
    try {
      await expect(ControllerNode.start(options(taken))).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    } finally {
      occupied.close();
    }
    expect(process.listenerCount('SIGHUP')).toBe(sighupListeners);
    const node = await ControllerNode.start(options(await freePort()));
    await node.stop();
  });
});
