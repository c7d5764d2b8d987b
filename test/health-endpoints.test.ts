import { startCluster, type TestCluster } from '@quill/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grpcHealthStatus } from './support/grpc-health.js';

// Every node's metrics port answers /healthz and /readyz, and its gRPC port grpc.health.v1: a
// restarted broker is not ready until it registered, caught up with the metadata log and was
// unfenced, and then it is.

/** Between two looks at /readyz while a broker restarts: short, so the not-ready window is seen. */
const READYZ_POLL_MS = 5;

async function status(url: string): Promise<{ code: number; body: string } | undefined> {
  try {
    const response = await fetch(url);
    return { code: response.status, body: (await response.text()).trim() };
  } catch {
    return undefined; // not listening yet
  }
}

describe('health endpoints', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startCluster({ brokers: 2, controllers: 1 });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('every node is alive and ready, and grpc.health.v1 answers SERVING on every broker', async () => {
    for (const url of cluster.metricsUrls) {
      expect(await status(url.replace(/\/metrics$/, '/healthz'))).toEqual({ code: 200, body: 'ok' });
      expect(await status(url.replace(/\/metrics$/, '/readyz'))).toEqual({ code: 200, body: 'ready' });
    }
    for (const address of cluster.bootstrap) {
      expect(await grpcHealthStatus(address)).toBe('SERVING');
      expect(await grpcHealthStatus(address, 'quill.v1.Broker')).toBe('SERVING');
    }
  });

  it('/readyz answers 503 with its reason until a restarted broker has caught up, then 200', async () => {
    const readyz = cluster.metricsUrl(2).replace(/\/metrics$/, '/readyz');
    await cluster.kill(2);
    expect(await status(readyz)).toBeUndefined();
    const seen: { code: number; body: string }[] = [];
    let restarted = false;
    const restart = cluster.restart(2).then(() => (restarted = true));
    while (!restarted) {
      const answer = await status(readyz);
      if (answer !== undefined) seen.push(answer);
      await new Promise((resolve) => setTimeout(resolve, READYZ_POLL_MS));
    }
    await restart;
    const notReady = seen.filter((s) => s.code === 503);
    expect(notReady.length).toBeGreaterThan(0);
    expect(notReady[0]!.body).toMatch(/not registered|fenced|replaying/);
    await expect.poll(async () => (await status(readyz))?.code, { timeout: 10_000 }).toBe(200);
    await expect.poll(() => grpcHealthStatus(cluster.bootstrap[1]!), { timeout: 10_000 }).toBe('SERVING');
  });
});

describe('health endpoints of node processes', () => {
  let cluster: TestCluster | undefined;
  afterAll(async () => {
    await cluster?.stop();
  });

  it('a combined node process serves both roles on its one metrics port', async () => {
    cluster = await startCluster({ processes: true, combined: true, brokers: 1 });
    expect(cluster.metricsUrls).toEqual([cluster.metricsUrl(1)]);
    await expect.poll(async () => (await status(cluster!.metricsUrl(1).replace(/\/metrics$/, '/readyz')))?.code, { timeout: 10_000 }).toBe(200);
    const metrics = await (await fetch(cluster.metricsUrl(1))).text();
    expect(metrics).toMatch(/^quill_controller_active 1$/m);
    expect(metrics).toMatch(/^quill_leader_partitions \d+$/m);
    expect(metrics).toMatch(/^process_resident_memory_bytes \d+/m);
    await expect.poll(() => grpcHealthStatus(cluster!.bootstrap[0]!), { timeout: 10_000 }).toBe('SERVING');
  });
});
