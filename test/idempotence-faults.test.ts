import type { Admin, Producer, Quill } from '@quill/client';
import { startCluster, type TestCluster } from '@quill/testing';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { describePartition, eventually, readPartition } from './support/cluster-helpers.js';

// The idempotence Must-show of the client issue: an idempotent producer (the default) pipelines
// sequential values (several sends and up to five batches in flight) while the partition's leader
// is SIGKILLed again and again, or cut off from everyone (connections reset) or blackholed (its
// requests and answers held until healed). Batches in flight at a fault are lost, or appended
// with their answer lost; the producer retries them in sequence order, and a leader, which
// rebuilds the producer's sequences from its log, drops the ones it has. Every value must end up
// in the partition exactly once, in order. (A one-way fault that drops only answers needs the
// proxy's client links to be addressable one way; not done here.)

const TOTAL = 100_000;
const PER_SEND = 500;
/** Sends in flight at once: more than the producer's 5 requests, so batches queue behind them. */
const SENDS_OUTSTANDING = 8;
const KILLS = 3;
/** Values of the network-fault run: fewer, as a blackholed request costs a request deadline. */
const NETWORK_TOTAL = 30_000;

let cluster: TestCluster | undefined;
let quill: Quill | undefined;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  await cluster?.stop();
  cluster = quill = undefined;
});

/**
 * Sends `total` sequential values to partition 0 of `topic`, `PER_SEND` per send with
 * `SENDS_OUTSTANDING` sends at once; before each value at `pauseAt(k)` it waits until `faultsDone() >= k`.
 */
async function sendSequence(producer: Producer, topic: string, total: number, pauseAt: (next: number) => number, faultsDone: () => number, wait: () => Promise<void>, onSent: (count: number) => void): Promise<void> {
  const outstanding: Array<Promise<unknown>> = [];
  for (let next = 0; next < total; next += PER_SEND) {
    while (faultsDone() < pauseAt(next)) await wait();
    const messages = Array.from({ length: PER_SEND }, (_, i) => ({ value: String(next + i), partition: 0 }));
    outstanding.push(producer.send({ topic, messages }).then(() => onSent(PER_SEND)));
    if (outstanding.length >= SENDS_OUTSTANDING) await outstanding.shift();
  }
  await Promise.all(outstanding);
}

/** Every value 0..total-1 once, in order, at offsets 0..total-1, and nothing after. */
async function expectExactlyOnceInOrder(quill: Quill, admin: Admin, topic: string, total: number): Promise<void> {
  const values = [...(await readPartition(quill, topic, 0, total)).entries()];
  const wrong = values.findIndex(([offset, value], i) => offset !== i || value !== String(i));
  expect(wrong, wrong < 0 ? '' : `offset ${values[wrong]![0]} holds ${values[wrong]![1]}`).toBe(-1);
  expect(values).toHaveLength(total);
  const end = (await admin.fetchTopicOffsets(topic))[0]!;
  expect(end.high, 'nothing beyond the values (no duplicate at the end)').toBe(total);
}

/** A pino logger that collects the producer's retry warnings, to show the faults hit batches in flight. */
function retryCollector(): { logger: pino.Logger; retries: string[] } {
  const retries: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void (line.includes('produce failed, retrying') && retries.push(line)) });
  return { logger, retries };
}

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

    const { logger, retries } = retryCollector();
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
    const sending = sendSequence(
      producer,
      'exactly-once',
      TOTAL,
      (next) => Math.min(KILLS, Math.max(0, Math.floor(next / share - 0.5))),
      () => recovered,
      () => new Promise<void>((resolve) => (wakeSender = resolve)),
      (count) => (sent += count),
    ).finally(() => {
      finished = true;
    });
    const [killed] = await Promise.all([killLeaders(cluster, admin, () => sent, () => finished, onRecovered), sending]);
    expect(killed, 'every kill happened while the producer was sending').toHaveLength(KILLS);
    expect(retries.length, 'batches were retried across the failovers').toBeGreaterThan(0);
    await expectExactlyOnceInOrder(quill, admin, 'exactly-once', TOTAL);
  });

  it(`writes ${NETWORK_TOTAL} pipelined sequential values exactly once, in order, while the leader is cut off and then blackholed`, async () => {
    cluster = await startCluster({ brokers: 3, controllers: 3, proxied: true });
    const c = cluster;
    // Short deadlines: a blackholed request is given up on (and retried) within seconds.
    quill = c.client({ requestTimeoutMs: 3_000 });
    const admin = quill.admin();
    await admin.connect();
    closers.push(() => admin.disconnect());
    await admin.createTopics({ topics: [{ topic: 'through-faults', numPartitions: 1, replicationFactor: 3 }] });
    await eventually(async () => (await describePartition(admin, 'through-faults', 0)).isr.length === 3, 30_000, 'a full ISR');

    const { logger, retries } = retryCollector();
    const producer: Producer = c.client({ logger, logLevel: 'warn', requestTimeoutMs: 3_000 }).producer({ lingerMs: 2 });
    await producer.connect();
    closers.push(() => producer.disconnect());
    let sent = 0;
    let faultsDone = 0;
    let wakeSender: (() => void) | undefined;
    const faults = ['cut', 'drop'] as const;
    const share = NETWORK_TOTAL / (faults.length + 1);
    const sending = sendSequence(
      producer,
      'through-faults',
      NETWORK_TOTAL,
      (next) => Math.min(faults.length, Math.max(0, Math.floor(next / share - 0.5))),
      () => faultsDone,
      () => new Promise<void>((resolve) => (wakeSender = resolve)),
      (count) => (sent += count),
    );
    for (const [k, mode] of faults.entries()) {
      await eventually(async () => sent >= (k + 1) * share, 60_000, `the producer sending share ${k + 1}`);
      const leader = await c.leaderOf('through-faults', 0);
      c.network.isolate(leader, mode, { clients: true });
      await eventually(async () => {
        const p = await describePartition(admin, 'through-faults', 0);
        return p.leader > 0 && p.leader !== leader;
      }, 60_000, `a new leader after isolating broker ${leader} (${mode})`);
      c.network.heal();
      await eventually(async () => (await describePartition(admin, 'through-faults', 0)).isr.length === 3, 60_000, `broker ${leader} back in the ISR`);
      faultsDone = k + 1;
      wakeSender?.();
    }
    await sending;
    expect(retries.length, 'batches were retried across the faults').toBeGreaterThan(0);
    await expectExactlyOnceInOrder(quill, admin, 'through-faults', NETWORK_TOTAL);
  });
});
