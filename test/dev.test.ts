import { afterEach, describe, expect, it } from 'vitest';
import { devNodeLog, startDev, stopDev, type DevRun } from './support/dev-process.js';

// The README's start command: `quill dev --demo` starts three combined nodes as processes, prints
// `ready <bootstrap>`, runs a produce/consume round trip, and stops everything on SIGINT.

let run: DevRun | undefined;
afterEach(async () => {
  await stopDev(run);
  run = undefined;
});

describe('quill dev', () => {
  it('starts a three-node cluster, shows a round trip, and stops cleanly', async () => {
    run = await startDev(['--demo'], 'quill-dev-');
    const { process: dev, basePort } = run;
    await expect.poll(() => dev.logs, { timeout: 90_000, interval: 100 }).toContain('round trip ok');
    expect(dev.logs).toContain(`ready 127.0.0.1:${basePort}`);
    expect(dev.logs).toMatch(/consumed greetings-0 offset 2: ja = konnichiwa/);
    // The web console dev started answers on base port + 50 with the three brokers.
    await expect.poll(() => dev.logs, { timeout: 10_000, interval: 100 }).toContain(`console http://127.0.0.1:${basePort + 50}`);
    const brokers = (await (await fetch(`http://127.0.0.1:${basePort + 50}/api/brokers`)).json()) as { brokers: unknown[] };
    expect(brokers.brokers).toHaveLength(3);
    await dev.stop();
    expect(dev.running).toBe(false);
    // Each node finished its own shutdown: none was left for SIGKILL waiting on a controller quorum
    // that the other nodes, stopping at the same time, had already taken down.
    for (const node of [1, 2, 3]) expect(devNodeLog(run, node)).toContain('"msg":"broker stopped"');
  });
});
