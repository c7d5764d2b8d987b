import { Admin, compressionsAlgorithms, ConfigResourceTypes, ConfigSources, Consumer, IncrementalAlterConfigOperationTypes, Producer, ProduceAcks, stringDeserializers, stringSerializers, type Message, type MessagesStream } from '@platformatic/kafka';
import type { Quill } from '@quill/client';
import { compress, decompress, type CompressionType } from '@quill/records';
import { eventually } from '@quill/test-support';
import { startCluster, type TestCluster } from '@quill/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// @platformatic/kafka 1.x, a client no one here wrote that speaks only flexible protocol
// versions (compact strings and arrays, tagged fields), against every broker's Kafka listener:
// its Admin, its Producer, its Consumer in a group, and records crossing between it and our gRPC SDK.

const TOPIC = 'platformatic-orders';
const ROUND_TRIP_TOPIC = 'platformatic-round-trip';
const SCRATCH_TOPIC = 'platformatic-scratch';
const CONFIG_TOPIC = 'platformatic-configs';
const GROUP = 'platformatic-workers';
const PARTITIONS = 4;
const PER_COMPRESSION = 12;
const BASE_TIMESTAMP = 1_700_000_000_000n;
const COMPRESSIONS: readonly CompressionType[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
// Its zstd is Node's zlib zstd (Node >= 22.15); on older Nodes it gets the codec our records package uses.
if (!compressionsAlgorithms.zstd.available) {
  Object.assign(compressionsAlgorithms.zstd, {
    compressSync: (data: Buffer | { buffer: Buffer }) => compress('zstd', Buffer.isBuffer(data) ? data : data.buffer),
    decompressSync: (data: Buffer | { buffer: Buffer }) => decompress('zstd', Buffer.isBuffer(data) ? data : data.buffer),
    available: true,
  });
}
/** Short group timings so a second member's join settles well inside the test's budget. */
const SESSION_TIMEOUT_MS = 6_000;
const HEARTBEAT_INTERVAL_MS = 300;
const REBALANCE_TIMEOUT_MS = 6_000;
/** A fetch's long poll: short, so a member's idle fetches never hold up the test. */
const FETCH_MAX_WAIT_MS = 200;
const WAIT = { timeoutMs: 20_000, intervalMs: 50 };

/** One record as sent or read by either client (header: the value of header 'h'). */
interface RecordSeen {
  key: string;
  value: string;
  header: string;
  timestamp: bigint;
}

const byKey = (a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key);
const strip = ({ key, value, header, timestamp }: RecordSeen): RecordSeen => ({ key, value, header, timestamp });
const seen = (m: Message<string, string, string, string>): RecordSeen => ({ key: m.key, value: m.value, header: m.headers.get('h') ?? '', timestamp: m.timestamp });

/** Every record of `topic` read with our SDK until `count` arrived. */
async function readWithSdk(quill: Quill, topic: string, count: number): Promise<RecordSeen[]> {
  const consumer = quill.consumer();
  await consumer.connect();
  consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition, offset: 'earliest' as const })));
  const read: RecordSeen[] = [];
  try {
    for await (const m of consumer.messages()) {
      const header = m.headers['h'];
      read.push({ key: m.key?.toString() ?? '', value: m.value?.toString() ?? '', header: Buffer.isBuffer(header) ? header.toString() : '', timestamp: BigInt(m.timestamp) });
      if (read.length >= count) break;
    }
  } finally {
    await consumer.disconnect();
  }
  return read;
}

/** Leaves the group and closes its streams (a second close is a no-op). */
const closeConsumer = (consumer: Consumer<string, string, string, string>) => new Promise<void>((resolve, reject) => consumer.close(true, (error) => (error ? reject(error) : resolve())));

describe('@platformatic/kafka 1.x against the Kafka listener of a 3-broker cluster', () => {
  let cluster: TestCluster;
  let quill: Quill;
  let admin: Admin;
  const closers: Array<() => Promise<void>> = [];
  const sent: RecordSeen[] = [];

  const client = { clientId: 'platformatic-test', retries: 8, retryDelay: 100 };
  const newProducer = (options: { idempotent?: boolean } = {}) => {
    const producer = new Producer({ ...client, bootstrapBrokers: cluster.kafkaBootstrap, serializers: stringSerializers, ...options });
    closers.push(() => producer.close());
    return producer;
  };
  const newConsumer = (groupId: string) => {
    const consumer = new Consumer({
      ...client,
      bootstrapBrokers: cluster.kafkaBootstrap,
      groupId,
      deserializers: stringDeserializers,
      sessionTimeout: SESSION_TIMEOUT_MS,
      heartbeatInterval: HEARTBEAT_INTERVAL_MS,
      rebalanceTimeout: REBALANCE_TIMEOUT_MS,
      maxWaitTime: FETCH_MAX_WAIT_MS,
    });
    closers.push(() => closeConsumer(consumer));
    return consumer;
  };
  /** Starts a stream of `consumer` over `topic` that collects what it reads, committing each record when `commit`. */
  const collect = async (consumer: Consumer<string, string, string, string>, topic: string, commit: boolean) => {
    const stream: MessagesStream<string, string, string, string> = await consumer.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest', autocommit: false });
    const read: Array<RecordSeen & { partition: number; offset: bigint }> = [];
    stream.on('data', (m: Message<string, string, string, string>) => {
      read.push({ ...seen(m), partition: m.partition, offset: m.offset });
      // A commit racing a rebalance may be refused (REBALANCE_IN_PROGRESS), as with Kafka:
      // committedUpTo checks what the group holds in the end.
      if (commit) m.commit(() => undefined);
    });
    return read;
  };

  /** Waits until the group's committed offsets are past every record in `read`. */
  const committedUpTo = async (read: ReadonlyArray<{ partition: number; offset: bigint }>) => {
    const ends = new Map<number, bigint>();
    for (const r of read) if (r.offset + 1n > (ends.get(r.partition) ?? 0n)) ends.set(r.partition, r.offset + 1n);
    await eventually(
      async () => {
        const [group] = await admin.listConsumerGroupOffsets({ groups: [GROUP] });
        const committed = new Map(group?.topics.find((t) => t.name === TOPIC)?.partitions.map((p) => [p.partitionIndex, p.committedOffset]) ?? []);
        return [...ends].every(([partition, end]) => committed.get(partition) === end);
      },
      { ...WAIT, description: 'the group committed every record read' },
    );
  };

  beforeAll(async () => {
    cluster = await startCluster({ brokers: 3 });
    quill = cluster.client();
    admin = new Admin({ ...client, bootstrapBrokers: cluster.kafkaBootstrap });
  });

  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    await admin?.close();
    await cluster?.stop();
  });

  it('Admin: creates topics with partitions and replication, lists and describes them, adds partitions, deletes a topic', async () => {
    const created = await admin.createTopics({ topics: [TOPIC, ROUND_TRIP_TOPIC, SCRATCH_TOPIC], partitions: PARTITIONS, replicas: 3 });
    expect(created.map((t) => [t.name, t.partitions, t.replicas]).sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([
      [TOPIC, PARTITIONS, 3],
      [ROUND_TRIP_TOPIC, PARTITIONS, 3],
      [SCRATCH_TOPIC, PARTITIONS, 3],
    ]);
    expect(await admin.listTopics()).toEqual(expect.arrayContaining([TOPIC, ROUND_TRIP_TOPIC, SCRATCH_TOPIC]));

    await eventually(
      async () => {
        const metadata = await admin.metadata({ topics: [TOPIC], forceUpdate: true });
        const partitions = metadata.topics.get(TOPIC)?.partitions ?? [];
        return partitions.length === PARTITIONS && partitions.every((p) => p.replicas.length === 3 && p.isr.length === 3);
      },
      { ...WAIT, description: `every partition of ${TOPIC} with a full ISR` },
    );
    const metadata = await admin.metadata({ topics: [TOPIC] });
    expect([...metadata.brokers.keys()].sort()).toEqual([1, 2, 3]);

    await admin.createPartitions({ topics: [{ name: SCRATCH_TOPIC, count: PARTITIONS + 2, assignments: [] }] });
    await eventually(async () => (await admin.metadata({ topics: [SCRATCH_TOPIC], forceUpdate: true })).topics.get(SCRATCH_TOPIC)?.partitionsCount === PARTITIONS + 2, {
      ...WAIT,
      description: `${SCRATCH_TOPIC} with ${PARTITIONS + 2} partitions`,
    });

    await admin.deleteTopics({ topics: [SCRATCH_TOPIC] });
    await eventually(async () => !(await admin.listTopics()).includes(SCRATCH_TOPIC), { ...WAIT, description: `${SCRATCH_TOPIC} gone` });
  });

  it('Admin: topic configs (given at creation, described with source and defaults, altered incrementally), offsets listed, records deleted', async () => {
    await admin.createTopics({ topics: [CONFIG_TOPIC], partitions: 1, replicas: 3, configs: [{ name: 'retention.ms', value: '3600000' }] });
    const describe = async () => {
      const [description] = await admin.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: CONFIG_TOPIC }] });
      return new Map(description?.configs.map((c) => [c.name, c]));
    };
    const configs = await describe();
    expect(configs.get('retention.ms')).toMatchObject({ value: '3600000', configSource: ConfigSources.TOPIC_CONFIG });
    expect(configs.get('cleanup.policy')).toMatchObject({ value: 'delete', configSource: ConfigSources.DEFAULT_CONFIG });

    await admin.incrementalAlterConfigs({
      resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: CONFIG_TOPIC, configs: [{ name: 'retention.ms', configOperation: IncrementalAlterConfigOperationTypes.SET, value: '7200000' }] }],
    });
    await eventually(async () => (await describe()).get('retention.ms')?.value === '7200000', { ...WAIT, description: 'retention.ms altered' });

    const producer = newProducer();
    // acks all: the high watermark covers the records once the send resolves.
    await producer.send({ acks: ProduceAcks.ALL, messages: Array.from({ length: 10 }, (_, i) => ({ topic: CONFIG_TOPIC, partition: 0, key: `k${i}`, value: `v${i}` })) });
    const offset = async (timestamp: bigint) => {
      const [topic] = await admin.listOffsets({ topics: [{ name: CONFIG_TOPIC, partitions: [{ partitionIndex: 0, timestamp }] }] });
      return topic?.partitions[0]?.offset;
    };
    const LATEST = -1n;
    const EARLIEST = -2n;
    expect(await offset(LATEST)).toBe(10n);
    const [deleted] = await admin.deleteRecords({ topics: [{ name: CONFIG_TOPIC, partitions: [{ partition: 0, offset: 4n }] }] });
    expect(deleted?.partitions[0]?.lowWatermark).toBe(4n);
    expect(await offset(EARLIEST)).toBe(4n);
  });

  it('Producer: keys and headers with every compression (zstd through our codec where Node lacks it), acks all and leader, and idempotent; our SDK reads back the same records', async () => {
    const plain = newProducer();
    const idempotent = newProducer({ idempotent: true });
    const send = async (producer: Producer<string, string, string, string>, label: string, compression: CompressionType, acks: number) => {
      const records = Array.from({ length: PER_COMPRESSION }, (_, i) => ({
        key: `${label}-key-${i}`,
        value: `${label} value ${i} ${'x'.repeat(i * 11)}`,
        header: `${label}-h-${i}`,
        timestamp: BASE_TIMESTAMP + BigInt(sent.length + i),
      }));
      const result = await producer.send({ compression, acks, messages: records.map((r) => ({ topic: TOPIC, key: r.key, value: r.value, headers: { h: r.header }, timestamp: r.timestamp })) });
      expect(result.offsets?.length).toBeGreaterThan(0);
      sent.push(...records);
    };
    for (const compression of COMPRESSIONS) await send(plain, compression, compression, ProduceAcks.ALL);
    await send(plain, 'leader-acks', 'none', ProduceAcks.LEADER);
    await send(idempotent, 'idempotent-a', 'gzip', ProduceAcks.ALL);
    await send(idempotent, 'idempotent-b', 'none', ProduceAcks.ALL);
    // InitProducerId answered: its batches carry a producer id and sequences.
    expect(idempotent.producerId).toBeGreaterThanOrEqual(0n);

    const read = await readWithSdk(quill, TOPIC, sent.length);
    expect([...read].sort(byKey)).toEqual([...sent].sort(byKey));
  });

  it('Consumer in a group: reads everything produced, commits, and a second member joining rebalances the partitions between the two; a new member resumes from the commits; the admin resets its offsets and deletes it', async () => {
    const first = newConsumer(GROUP);
    const readByFirst = await collect(first, TOPIC, true);
    await eventually(async () => readByFirst.length >= sent.length, { ...WAIT, description: `the first member read all ${sent.length} records` });
    expect(readByFirst.map(strip).sort(byKey)).toEqual([...sent].sort(byKey));
    expect(first.assignments?.flatMap((a) => a.partitions).sort()).toEqual([0, 1, 2, 3]);

    await committedUpTo(readByFirst);

    const second = newConsumer(GROUP);
    const readBySecond = await collect(second, TOPIC, true);
    await eventually(
      async () => {
        const mine = first.assignments?.flatMap((a) => a.partitions) ?? [];
        const theirs = second.assignments?.flatMap((a) => a.partitions) ?? [];
        return mine.length > 0 && theirs.length > 0 && [...mine, ...theirs].sort().join() === '0,1,2,3';
      },
      { ...WAIT, description: 'the four partitions split between the two members' },
    );
    const groups = await admin.describeGroups({ groups: [GROUP] });
    expect(groups.get(GROUP)?.state).toBe('STABLE');
    expect(groups.get(GROUP)?.members.size).toBe(2);
    expect([...(await admin.listGroups()).keys()]).toContain(GROUP);

    // After the rebalance each member reads its own partitions from the committed offsets on. A
    // fetch the first member started before the rebalance may still bring the second member's
    // partitions (Kafka's delivery is at least once across a rebalance), so the second member's
    // records may come twice, never fewer than once.
    const before = readByFirst.length;
    const producer = newProducer();
    const more = Array.from({ length: 24 }, (_, i) => ({ key: `after-rebalance-${i}`, value: `v${i}`, header: `h${i}`, timestamp: BASE_TIMESTAMP + 10_000n + BigInt(i) }));
    await producer.send({ messages: more.map((r) => ({ topic: TOPIC, key: r.key, value: r.value, headers: { h: r.header }, timestamp: r.timestamp })) });
    const partitionsOf = (consumer: Consumer<string, string, string, string>) => new Set(consumer.assignments?.flatMap((a) => a.partitions));
    const readAfter = () => [...readByFirst.slice(before), ...readBySecond];
    const keysOn = (records: ReadonlyArray<{ key: string; partition: number }>, partitions: Set<number>) => new Set(records.filter((r) => partitions.has(r.partition)).map((r) => r.key));
    await eventually(
      async () => {
        const all = readAfter();
        if (new Set(all.map((r) => r.key)).size < more.length) return false;
        const firstOwn = keysOn(readByFirst.slice(before), partitionsOf(first));
        const secondOwn = keysOn(readBySecond, partitionsOf(second));
        return firstOwn.size === keysOn(all, partitionsOf(first)).size && secondOwn.size === keysOn(all, partitionsOf(second)).size;
      },
      { ...WAIT, description: 'each member read every new record of its partitions' },
    );
    expect(readBySecond.length).toBeGreaterThan(0);
    expect(readBySecond.every((r) => partitionsOf(second).has(r.partition))).toBe(true);
    expect([...new Map(readAfter().map((r) => [r.key, strip(r)])).values()].sort(byKey)).toEqual([...more].sort(byKey));

    // Both members leave; a new member resumes from the commits: only records produced since.
    await committedUpTo(readAfter());
    await closeConsumer(first);
    await closeConsumer(second);
    const latest = Array.from({ length: 8 }, (_, i) => ({ key: `after-restart-${i}`, value: `r${i}`, header: `rh${i}`, timestamp: BASE_TIMESTAMP + 15_000n + BigInt(i) }));
    await producer.send({ messages: latest.map((r) => ({ topic: TOPIC, key: r.key, value: r.value, headers: { h: r.header }, timestamp: r.timestamp })) });
    const resumed = newConsumer(GROUP);
    const readByResumed = await collect(resumed, TOPIC, true);
    await eventually(async () => readByResumed.length >= latest.length, { ...WAIT, description: 'the new member read the records produced since the commits' });
    expect(readByResumed.map(strip).sort(byKey)).toEqual([...latest].sort(byKey));

    // An empty group's offsets reset by the admin, then the group deleted.
    await committedUpTo(readByResumed);
    await closeConsumer(resumed);
    await admin.alterConsumerGroupOffsets({ groupId: GROUP, topics: [{ name: TOPIC, partitionOffsets: [{ partition: 0, offset: 1n }] }] });
    const [reset] = await admin.listConsumerGroupOffsets({ groups: [GROUP] });
    expect(reset?.topics.find((t) => t.name === TOPIC)?.partitions.find((p) => p.partitionIndex === 0)?.committedOffset).toBe(1n);
    await admin.deleteGroups({ groups: [GROUP] });
    expect([...(await admin.listGroups()).keys()]).not.toContain(GROUP);
  });

  it('round trip with our gRPC SDK: what the SDK produces with every compression, it reads with the same keys, values, headers and timestamps', async () => {
    const ours = quill.producer();
    await ours.connect();
    const records = COMPRESSIONS.flatMap((compression, c) =>
      Array.from({ length: 8 }, (_, i) => ({ key: `sdk-${compression}-${i}`, value: `from the SDK ${i} ${'y'.repeat(i * 13)}`, header: `sdk-h-${i}`, timestamp: BASE_TIMESTAMP + 20_000n + BigInt(c * 8 + i) })),
    );
    try {
      for (const compression of COMPRESSIONS) {
        const batch = records.filter((r) => r.key.startsWith(`sdk-${compression}-`));
        await ours.send({ topic: ROUND_TRIP_TOPIC, compression, messages: batch.map((r) => ({ key: r.key, value: r.value, headers: { h: r.header }, timestamp: Number(r.timestamp) })) });
      }
    } finally {
      await ours.disconnect();
    }
    const read = await collect(newConsumer(`${GROUP}-round-trip`), ROUND_TRIP_TOPIC, false);
    await eventually(async () => read.length >= records.length, { ...WAIT, description: `all ${records.length} SDK records read` });
    expect(read.map(strip).sort(byKey)).toEqual([...records].sort(byKey));
  });
});


