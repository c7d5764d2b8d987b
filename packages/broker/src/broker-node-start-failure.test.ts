import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@quill/test-support';
import { pino } from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { BrokerNode } from './broker-node.js';

// Counts the node TLS handles started and closed, passing through to the real ones.
const tlsHandles = vi.hoisted(() => ({ started: 0, closed: 0 }));
vi.mock('@quill/security', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@quill/security')>();
  return {
    ...actual,
    startNodeGrpcTls: async (options: Parameters<typeof actual.startNodeGrpcTls>[0]) => {
      const tls = await actual.startNodeGrpcTls(options);
      tlsHandles.started += 1;
      return {
        ...tls,
        channelCredentials: () => tls.channelCredentials(),
        close: () => {
          tlsHandles.closed += 1;
          tls.close();
        },
      };
    },
  };
});

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-broker-start-failure-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('BrokerNode.start on a port it cannot bind', () => {
  it('closes its TLS watchers before failing', async () => {
    const occupied = net.createServer();
    await new Promise<void>((resolve) => occupied.listen(0, '127.0.0.1', resolve));
    const taken = (occupied.address() as net.AddressInfo).port;
    try {
      const start = BrokerNode.start({
        nodeId: 1,
        clusterId: 'c',
        listen: { host: '127.0.0.1', port: taken },
        controllers: [`127.0.0.1:${await freePort()}`],
        dataDir: path.join(root, 'b1'),
        logger: pino({ level: 'silent' }),
      });
      await expect(start).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    } finally {
      occupied.close();
    }
    expect(tlsHandles).toEqual({ started: 1, closed: 1 });
  });
});
