import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@quill/test-support';
import { pino } from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ControllerNode } from './controller-node.js';

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

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-controller-start-failure-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('ControllerNode.start on a port it cannot bind', () => {
  it('closes its TLS watchers and Raft storage before failing, so the same data dir starts afterwards', async () => {
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
    });
    try {
      await expect(ControllerNode.start(options(taken))).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    } finally {
      occupied.close();
    }
    expect(tlsHandles).toEqual({ started: 1, closed: 1 });
    const node = await ControllerNode.start(options(await freePort()));
    await node.stop();
  });
});
