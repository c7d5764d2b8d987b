import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Quill } from '@quill/client';
import { NodeProcess, freePort } from '@quill/testing';
import { afterEach, describe, expect, it } from 'vitest';

// `quill dev --brokers 4`: the three combined nodes plus broker-only node 4, all registered and
// serving before `ready`, and every node stopped on SIGINT.

let dev: NodeProcess | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  await dev?.stop();
  if (dataDir !== undefined) fs.rmSync(dataDir, { recursive: true, force: true });
  dev = dataDir = undefined;
});

describe('quill dev --brokers', () => {
  it('starts four brokers on a three-voter quorum and does a round trip', async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-dev-brokers-'));
    const basePort = await freePort();
    dev = new NodeProcess('dev', ['dev', '--brokers', '4', '--demo', '--data-dir', dataDir, '--base-port', String(basePort)]);
    dev.start();
    await expect.poll(() => dev!.logs, { timeout: 60_000, interval: 100 }).toContain('round trip ok');
    expect(dev.logs).toContain(`ready 127.0.0.1:${basePort}`);
    expect(dev.logs).toContain(`kafka ${[20, 21, 22, 23].map((offset) => `127.0.0.1:${basePort + offset}`).join(',')}`);

    // Through the SDK, not the CLI: a CLI process starts slowly next to four busy nodes (its output is tested in cli-brokers).
    const admin = new Quill({ brokers: [`127.0.0.1:${basePort + 3}`], logLevel: 'silent' }).admin();
    try {
      await admin.connect();
      const brokers = await admin.describeBrokers();
      expect(brokers.map((b) => [b.nodeId, b.state, b.endpoints])).toEqual([1, 2, 3, 4].map((id) => [id, 'running', [{ host: '127.0.0.1', port: basePort + id - 1 }, { host: '127.0.0.1', port: basePort + 20 + id - 1 }]]));
      expect((await admin.describeMetadataQuorum()).voters.map((v) => v.replicaId).sort()).toEqual([1, 2, 3]);
    } finally {
      await admin.disconnect();
    }

    await dev.stop();
    expect(dev.running).toBe(false);
    expect(fs.readFileSync(path.join(dataDir, 'node-4.log'), 'utf8')).toContain('"msg":"broker stopped"');
  });
});
