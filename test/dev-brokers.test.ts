import { Quill } from '@quill/client';
import { afterEach, describe, expect, it } from 'vitest';
import { devNodeLog, startDev, stopDev, type DevRun } from './support/dev-process.js';

// `quill dev --brokers 4`: the three combined nodes plus broker-only node 4, all registered and
// serving before `ready`, and every node stopped on SIGINT.

let run: DevRun | undefined;
afterEach(async () => {
  await stopDev(run);
  run = undefined;
});

describe('quill dev --brokers', () => {
  it('starts four brokers on a three-voter quorum and does a round trip', async () => {
    run = await startDev(['--brokers', '4', '--demo'], 'quill-dev-brokers-');
    const { process: dev, basePort } = run;
    await expect.poll(() => dev.logs, { timeout: 60_000, interval: 100 }).toContain('round trip ok');
    expect(dev.logs).toContain(`ready 127.0.0.1:${basePort}`);
    expect(dev.logs).toContain(`kafka ${[20, 21, 22, 23].map((offset) => `127.0.0.1:${basePort + offset}`).join(',')}`);
    expect(dev.logs).toContain(`metrics ${[40, 41, 42, 43].map((offset) => `http://127.0.0.1:${basePort + offset}/metrics`).join(',')}`);
    // The broker-only node and a combined node answer on their metrics ports, ready.
    expect((await fetch(`http://127.0.0.1:${basePort + 43}/readyz`)).status).toBe(200);
    expect(await (await fetch(`http://127.0.0.1:${basePort + 40}/metrics`)).text()).toMatch(/^quill_controller_active [01]$/m);

    // Through the SDK, not the CLI: a CLI process starts slowly next to four busy nodes (its output is tested in cli-brokers).
    const admin = new Quill({ brokers: [`127.0.0.1:${basePort + 3}`], logLevel: 'silent' }).admin();
    try {
      await admin.connect();
      const brokers = await admin.describeBrokers();
      expect(brokers.map((b) => [b.nodeId, b.state, b.endpoints])).toEqual([1, 2, 3, 4].map((id) => [id, 'running', [{ listenerName: 'PLAINTEXT', host: '127.0.0.1', port: basePort + id - 1 }, { listenerName: 'KAFKA', host: '127.0.0.1', port: basePort + 20 + id - 1 }]]));
      expect((await admin.describeMetadataQuorum()).voters.map((v) => v.replicaId).sort()).toEqual([1, 2, 3]);
    } finally {
      await admin.disconnect();
    }

    await dev.stop();
    expect(dev.running).toBe(false);
    expect(devNodeLog(run, 4)).toContain('"msg":"broker stopped"');
  });
});
