import type { Admin, Producer, Quill } from '@quill/client';
import { startCluster, type TestCluster } from '@quill/testing';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { describePartition, eventually, readPartition } from './support/cluster-helpers.js';

// The idempotence Must-show of the client issue, for the fault a test can inject without a proxy:
// an idempotent producer (the default) pipelines 100k sequential values (several sends and up to
// five batches in flight) while the partition's leader is SIGKILLed again and again. Batches in
// flight at a kill are lost, or appended with their answer lost; the producer retries them in
// sequence order and the new leader, which rebuilt the producer's sequences from its log, drops
// the ones it has. Every value must end up in the partition exactly once, in order.

const TOTAL = 100_000;
const PER_SEND = 500;
/** Sends in flight at once: more than the producer's 5 requests, so batches queue behind them. */
const SENDS_OUTSTANDING = 8;
const KILLS = 3;

let cluster: TestCluster | undefined;
let quill: Quill | undefined;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  await cluster?.stop();
  cluster = quill = undefined;
});

/** Kills the leader each time the producer has sent another share, and brings it back before the next kill. */
async function killLeaders(c: TestCluster, admin: Admin, sent: () => number, done: () => boolean, onRecovered: (killed: number[]) => void): Promise<number[]> {
  const killed: number[] = [];
  for (let k = 1; k <= KILLS; k++) {
    await eventually(async () => sent() >= (k * TOTAL) / (KILLS + 1) || done(), 60_000, `the producer sending share ${k}`);
    if (done()) break;
    const leader = await c.leaderOf('exactly-once', 0);
    await c.kill(leader);
    killed.push(leader);
    await eventually(async () => {
      const now = (await describePartition(admin, 'exactly-once', 0)).leader;
      return now >= 0 && now !== leader;
    }, 30_000, `a new leader after killing broker ${leader}`);
    await c.restart(leader);
    await eventually(async () => (await describePartition(admin, 'exactly-once', 0)).isr.length === 3, 60_000, `broker ${leader} back in the ISR`);
    onRecovered(killed);
  }
  return killed;
}

describe('idempotent producer under faults', () => {
  it(`writes ${TOTAL} pipelined sequential values exactly once, in order, while the leader is SIGKILLed ${KILLS} times`, async () => {
    cluster = await startCluster({ processes: true, brokers: 3, controllers: 3 });
    quill = cluster.client();
    const admin = quill.admin();
    await admin.connect();
    closers.push(() => admin.disconnect());
    await admin.createTopics({ topics: [{ topic: 'exactly-once', numPartitions: 1, replicationFactor: 3 }] });
    await eventually(async () => (await describePartition(admin, 'exactly-once', 0)).isr.length === 3, 30_000, 'a full ISR');

    // The producer logs each retry: the test checks the kills did hit batches in flight.
    const retries: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void (line.includes('produce failed, retrying') && retries.push(line)) });
    const producer: Producer = cluster.client({ logger, logLevel: 'warn' }).producer({ lingerMs: 2 });
    await producer.connect();
    closers.push(() => producer.disconnect());
    let sent = 0;
    let finished = false;
    // The producer goes on sending through each failover, but waits halfway to the next kill until
    // the killed broker is back, so every kill hits it while it sends.
    let recovered = 0;
    let wakeSender: (() => void) | undefined;
    const onRecovered = (killed: number[]): void => {
      recovered = killed.length;
      wakeSender?.();
    };
    const share = TOTAL / (KILLS + 1);
    const sending = (async () => {
      const outstanding: Array<Promise<unknown>> = [];
      for (let next = 0; next < TOTAL; next += PER_SEND) {
        const phase = Math.floor(next / share - 0.5);
        while (phase >= 1 && phase <= KILLS && recovered < phase) await new Promise<void>((resolve) => (wakeSender = resolve));
        const messages = Array.from({ length: PER_SEND }, (_, i) => ({ value: String(next + i), partition: 0 }));
        outstanding.push(producer.send({ topic: 'exactly-once', messages }).then(() => (sent += PER_SEND)));
        if (outstanding.length >= SENDS_OUTSTANDING) await outstanding.shift();
      }
      await Promise.all(outstanding);
    })().finally(() => {
      finished = true;
    });
    const [killed] = await Promise.all([killLeaders(cluster, admin, () => sent, () => finished, onRecovered), sending]);
    expect(killed, 'every kill happened while the producer was sending').toHaveLength(KILLS);
    expect(retries.length, 'batches were retried across the failovers').toBeGreaterThan(0);

    const values = [...(await readPartition(quill, 'exactly-once', 0, TOTAL)).entries()];
    const wrong = values.findIndex(([offset, value], i) => offset !== i || value !== String(i));
    expect(wrong, wrong < 0 ? '' : `offset ${values[wrong]![0]} holds ${values[wrong]![1]}`).toBe(-1);
    expect(values).toHaveLength(TOTAL);
    const end = (await admin.fetchTopicOffsets('exactly-once'))[0]!;
    expect(end.high, 'nothing beyond the values (no duplicate at the end)').toBe(TOTAL);
  });
});
