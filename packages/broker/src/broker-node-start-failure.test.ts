import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { generateDevCertificates } from '@quill/security';
import { freePort } from '@quill/test-support';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { BrokerNode } from './broker-node.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-broker-start-failure-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('BrokerNode.start on a port it cannot bind', () => {
  // A TLS port's certificate reloader listens for SIGHUP until closed: a node that failed to
  // start must leave no listener behind.
  it('closes its TLS watchers before failing', async () => {
    const certificates = await generateDevCertificates(path.join(root, 'certificates'), { nodeNames: ['broker-1'], clientNames: [] });
    const occupied = net.createServer();
    await new Promise<void>((resolve) => occupied.listen(0, '127.0.0.1', resolve));
    const taken = (occupied.address() as net.AddressInfo).port;
    const sighupListeners = process.listenerCount('SIGHUP');
    try {
      const start = BrokerNode.start({
        nodeId: 1,
        clusterId: 'c',
        listen: { host: '127.0.0.1', port: taken },
        controllers: [`127.0.0.1:${await freePort()}`],
        dataDir: path.join(root, 'b1'),
        logger: pino({ level: 'silent' }),
        securityProtocol: 'SSL',
        ssl: { ...certificates.endpoints.get('broker-1')!, caLocation: certificates.caLocation, clientAuth: 'requested' },
      });
      await expect(start).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    } finally {
      occupied.close();
    }
    expect(process.listenerCount('SIGHUP')).toBe(sighupListeners);
  });
});
