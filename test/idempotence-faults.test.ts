import type { Admin, Producer, Quill, RecordMetadata } from '@quill/client';
import { SeededRandom, seedFromEnv } from '@quill/random';
import { eventually } from '@quill/test-support';
import { LinkProxy, startCluster, type TestCluster } from '@quill/testing';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { describePartition, readPartition } from './support/cluster-helpers.js';

// Idempotence under faults: an idempotent producer (the default) pipelines
// sequential values (several sends and up to five batches in flight) while the partition's leader
// is SIGKILLed again and again, or cut off from everyone (connections reset) or blackholed (its
// requests and answers held until healed). Batches in flight at a fault are lost, or appended
// with their answer lost; the producer retries them in sequence order, and a leader, which
// rebuilds the producer's sequences from its log, drops the ones it has. Every value must end up
// in the partition exactly once, in order. A third run drops only the leader's answers to the
// producer: its requests are appended, the answers are held and then lost when the connections
// are cut, so the retried batches are duplicates the leader must answer with their first offsets.
// One controller each: the faults hit the partition's leader, not the quorum, and fewer node
// processes leave the two cores to the brokers and the producer.

const TOTAL = 100_000;
const PER_SEND = 500;
/** Sends in flight at once: more than the producer's 5 requests, so batches queue behind them. */
const SENDS_OUTSTANDING = 8;
const KILLS = 3;
/** Values of the network-fault run: fewer, as a blackholed request costs a request deadline. */
const NETWORK_TOTAL = 30_000;
/** Values of the dropped-answers run: as many as the kill run (a dropped answer costs no deadline). */
const DROPS_TOTAL = TOTAL;
/** Times the leader's answers to the producer are blackholed and its connections then cut. */
const ANSWER_DROPS = 5;
/** Longest hold of a cut after dropped answers (seeded below it): reconnects are refused meanwhile. */
const CUT_HOLD_MAX_MS = 1_000;

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
async function sendSequence(
  producer: Producer,
  topic: string,
  total: number,
  pauseAt: (next: number) => number,
  faultsDone: () => number,
  wait: () => Promise<void>,
  onSent: (count: number, first: number, results: RecordMetadata[]) => void,
): Promise<void> {
  const outstanding: Array<Promise<unknown>> = [];
  for (let next = 0; next < total; next += PER_SEND) {
    while (faultsDone() < pauseAt(next)) await wait();
    const messages = Array.from({ length: PER_SEND }, (_, i) => ({ value: String(next + i), partition: 0 }));
    outstanding.push(producer.send({ topic, messages }).then((results) => onSent(PER_SEND, next, results)));
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
    await eventually(async () => sent() >= (k * TOTAL) / (KILLS + 1) || done(), { timeoutMs: 60_000, intervalMs: 50, description: `the producer sending share ${k}` });
    if (done()) break;
    const leader = await c.leaderOf('exactly-once', 0);
    await c.kill(leader);
    killed.push(leader);
    await eventually(async () => {
      const now = (await describePartition(admin, 'exactly-once', 0)).leader;
      return now >= 0 && now !== leader;
    }, { timeoutMs: 30_000, intervalMs: 50, description: `a new leader after killing broker ${leader}` });
    await c.restart(leader);
    await eventually(async () => (await describePartition(admin, 'exactly-once', 0)).isr.length === 3, { timeoutMs: 60_000, intervalMs: 50, description: `broker ${leader} back in the ISR` });
    onRecovered(killed);
  }
  return killed;
}

describe('idempotent producer under faults', () => {
  it(`writes ${TOTAL} pipelined sequential values exactly once, in order, while the leader is SIGKILLed ${KILLS} times`, async () => {
    cluster = await startCluster({ processes: true, brokers: 3, controllers: 1 });
    quill = cluster.client();
    const admin = quill.admin();
    await admin.connect();
    closers.push(() => admin.disconnect());
    await admin.createTopics({ topics: [{ topic: 'exactly-once', numPartitions: 1, replicationFactor: 3 }] });
    await eventually(async () => (await describePartition(admin, 'exactly-once', 0)).isr.length === 3, { timeoutMs: 30_000, intervalMs: 50, description: 'a full ISR' });

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
    cluster = await startCluster({ brokers: 3, controllers: 1, proxied: true });
    const c = cluster;
    // Short deadlines: a blackholed request is given up on (and retried) within seconds.
    quill = c.client({ requestTimeoutMs: 3_000 });
    const admin = quill.admin();
    await admin.connect();
    closers.push(() => admin.disconnect());
    await admin.createTopics({ topics: [{ topic: 'through-faults', numPartitions: 1, replicationFactor: 3 }] });
    await eventually(async () => (await describePartition(admin, 'through-faults', 0)).isr.length === 3, { timeoutMs: 30_000, intervalMs: 50, description: 'a full ISR' });

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
      await eventually(async () => sent >= (k + 1) * share, { timeoutMs: 60_000, intervalMs: 50, description: `the producer sending share ${k + 1}` });
      const leader = await c.leaderOf('through-faults', 0);
      c.network.isolate(leader, mode, { clients: true });
      await eventually(async () => {
        const p = await describePartition(admin, 'through-faults', 0);
        return p.leader > 0 && p.leader !== leader;
      }, { timeoutMs: 60_000, intervalMs: 50, description: `a new leader after isolating broker ${leader} (${mode})` });
      c.network.heal();
      await eventually(async () => (await describePartition(admin, 'through-faults', 0)).isr.length === 3, { timeoutMs: 60_000, intervalMs: 50, description: `broker ${leader} back in the ISR` });
      faultsDone = k + 1;
      wakeSender?.();
    }
    await sending;
    expect(retries.length, 'batches were retried across the faults').toBeGreaterThan(0);
    await expectExactlyOnceInOrder(quill, admin, 'through-faults', NETWORK_TOTAL);
  });

  it(`writes ${DROPS_TOTAL} pipelined sequential values exactly once, in order, while the leader's answers to the producer are dropped ${ANSWER_DROPS} times`, async () => {
    const seed = seedFromEnv(5);
    const random = new SeededRandom(seed);
    const context = `seed ${seed} (QUILL_SEED=${seed} replays it)`;
    cluster = await startCluster({ brokers: 3, controllers: 1 });
    quill = cluster.client();
    const admin = quill.admin();
    await admin.connect();
    closers.push(() => admin.disconnect());
    const topic = 'answers-dropped';
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 3 }] });
    await eventually(async () => (await describePartition(admin, topic, 0)).isr.length === 3, { timeoutMs: 30_000, intervalMs: 50, description: 'a full ISR' });
    // The producer reaches each broker through a link of its own, so the faults hit only the
    // producer's connections: the admin that watches the partition keeps its answers.
    const { brokers } = await admin.describeCluster();
    const links = new Map<number, LinkProxy>();
    for (const broker of brokers) {
      const link = new LinkProxy({ target: `${broker.host}:${broker.port}` });
      await link.start();
      closers.push(() => link.stop());
      links.set(broker.nodeId, link);
    }
    const addressOverrides = Object.fromEntries(brokers.map((b) => [`${b.host}:${b.port}`, links.get(b.nodeId)!.address]));
    const { logger, retries } = retryCollector();
    const producer: Producer = cluster
      .client({ brokers: [...links.values()].map((l) => l.address), addressOverrides, logger, logLevel: 'warn' })
      // Kafka's default batch size: a batch fits in the HTTP/2 window the connection has left when
      // its answers (and so its window updates) stop.
      .producer({ lingerMs: 2, batchSize: 16_384 });
    await producer.connect();
    closers.push(() => producer.disconnect());
    // Runs before the disconnect: a test failing mid-drop must not leave the producer's sends hanging.
    closers.push(async () => {
      for (const link of links.values()) link.heal();
    });

    // Seeded schedule: the sender stops before value starts[k] until drop k has begun. Each drop
    // starts on an idle connection (every send answered, so every HTTP/2 window update has
    // arrived): with the answers blocked the client can still send a window's worth, and the
    // first batches after the block reach the leader whole.
    const sendsPerShare = DROPS_TOTAL / PER_SEND / (ANSWER_DROPS + 1);
    const starts = Array.from({ length: ANSWER_DROPS }, (_, k) => (Math.round((k + 1) * sendsPerShare) + random.int(-2, 2)) * PER_SEND);
    const cutHoldsMs = starts.map(() => random.int(0, CUT_HOLD_MAX_MS));
    const leader = await cluster.leaderOf(topic, 0);
    const leaderLink = links.get(leader)!;
    let sent = 0;
    let dropsBegun = 0;
    let wakeSender: (() => void) | undefined;
    const answered = new Set<number>();
    const misplaced: string[] = [];
    const sending = sendSequence(
      producer,
      topic,
      DROPS_TOTAL,
      (next) => starts.filter((start) => start <= next).length,
      () => dropsBegun,
      () => new Promise<void>((resolve) => (wakeSender = resolve)),
      (count, first, results) => {
        sent += count;
        answered.add(first);
        const offset = results.find((r) => r.partition === 0)?.baseOffset;
        if (offset !== first) misplaced.push(`send of ${first}..${first + count - 1} acknowledged at offset ${offset}`);
      },
    );
    // Sends whose every value the leader has appended (below its high watermark) and whose answer
    // the producer has not had.
    const strandedPerDrop: number[] = [];
    const unanswered = (highWatermark: number): number[] =>
      Array.from({ length: DROPS_TOTAL / PER_SEND }, (_, i) => i * PER_SEND).filter((first) => first + PER_SEND <= highWatermark && !answered.has(first));
    for (const [k, start] of starts.entries()) {
      await eventually(async () => sent === start, { timeoutMs: 60_000, intervalMs: 50, description: `the producer idle before value ${start} (${context})` });
      leaderLink.setMode('backward', 'drop');
      dropsBegun = k + 1;
      wakeSender?.();
      let highWatermark = -1;
      const stranded = await eventually(async () => {
        highWatermark = (await admin.fetchTopicOffsets(topic))[0]!.high;
        const found = unanswered(highWatermark);
        return found.length > 0 && found;
      }, { timeoutMs: 30_000, intervalMs: 50, description: `the leader appending sends whose answers are blocked (drop ${k + 1}, ${context})` }).catch((error: Error) => {
        throw new Error(`${error.message}; high watermark ${highWatermark}, ${sent} values answered`);
      });
      strandedPerDrop.push(stranded.length);
      // The cut loses the held answers: the producer can only learn of those appends by retrying.
      const retriesBefore = retries.length;
      leaderLink.cut();
      await eventually(async () => retries.length > retriesBefore, { timeoutMs: 30_000, intervalMs: 50, description: `the producer retrying after cut ${k + 1} (${context})` });
      // The cut's seeded length (a fault's duration, not a wait for anything): reconnects are refused.
      await new Promise((resolve) => setTimeout(resolve, cutHoldsMs[k]));
      leaderLink.heal();
    }
    await sending;
    expect(await cluster.leaderOf(topic, 0), `the leader stayed (only the producer's links were faulted; ${context})`).toBe(leader);
    // The stranded sends were appended before their cut, so their acknowledgements came from
    // retries the leader recognised as duplicates: the original offsets, nothing appended again.
    const stranded = `sends appended and unanswered at each cut: ${strandedPerDrop.join(', ')}`;
    expect(misplaced, `every send acknowledged at the offset its first value was appended at (${stranded}; ${context})`).toEqual([]);
    await expectExactlyOnceInOrder(quill, admin, topic, DROPS_TOTAL);
  });
});
