import { ProcessCluster } from '@quill/testing';
import { afterEach, describe, expect, it } from 'vitest';

// A broker's controlled shutdown needs a controller quorum to move its leaderships. With the
// quorum gone (here two of three controllers killed; in `quill dev`, every node stopping at once)
// nothing can move them, so the broker stops without one once no active controller has answered
// for controlledShutdownNoControllerMs (5 s), instead of waiting out controlledShutdownTimeoutMs
// (30 s), and still closes its logs cleanly.

let cluster: ProcessCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

describe('controlled shutdown', () => {
  it('stops a broker cleanly and without waiting out its timeout when no controller quorum is left', async () => {
    cluster = await ProcessCluster.start({ brokers: 1, controllers: 3 });
    await cluster.waitForBrokers(1);
    await Promise.all([cluster.node(102).process.kill(), cluster.node(103).process.kill()]);

    const broker = cluster.node(1).process;
    const started = Date.now();
    // SIGKILL only after 60 s: the broker must end on its own.
    await broker.stop(60_000);
    const tookMs = Date.now() - started;

    expect(broker.logs).toContain('no active controller answers; stopping without a controlled shutdown');
    expect(broker.logs).not.toContain('controlled shutdown timed out');
    expect(broker.logs).toContain('"msg":"broker stopped"');
    // Well under the 30 s controlledShutdownTimeoutMs, with room for a loaded machine.
    expect(tookMs).toBeLessThan(20_000);
  });
});
