import * as grpc from '@grpc/grpc-js';
import { ErrorCode, QuillError, type ProduceRequest__Output } from '@quill/proto';
import { SeededRandom, seedFromEnv } from '@quill/random';
import { decodeBatches, readBatchHeader } from '@quill/records';
import { eventually } from '@quill/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { QuillStateError } from '../errors.js';
import { Quill } from '../quill.js';
import { ScriptedCluster, deadAddress } from '../test-support/scripted-cluster.js';
import { partitionForKey } from '@quill/records';
import type { Producer } from './producer.js';
import type { ProducerOptions } from './types.js';

const SEED = seedFromEnv(0x9_0d0c);
const FAST_RETRY = { retries: 4, initialRetryTimeMs: 20, maxRetryTimeMs: 100 };

function quillFor(brokers: string[], seed = 1): Quill {
  return new Quill({ brokers, clientId: 'producer-test', logLevel: 'silent', retry: FAST_RETRY, random: new SeededRandom(seed) });
}

/** The partitions each Produce call to `nodeId` carried, as `topic-partition`. */
function producedPartitions(cluster: ScriptedCluster, nodeId: number): string[][] {
  return cluster
    .callsTo('Produce', nodeId)
    .map((c) => (c.request as ProduceRequest__Output).topics.flatMap((t) => t.partitions.map((p) => `${t.name}-${p.partition}`)));
}

/** The producer id of every batch Produce carried (-1: not idempotent). */
function stampsOf(cluster: ScriptedCluster): number[] {
  return cluster
    .callsTo('Produce')
    .flatMap((c) => (c.request as ProduceRequest__Output).topics.flatMap((t) => t.partitions.map((p) => readBatchHeader(p.records).producerId)));
}

function values(cluster: ScriptedCluster, topic: string, partition: number): string[] {
  return decodeBatches(cluster.log(topic, partition)).flatMap((b) => b.records.map((r) => r.value?.toString() ?? 'null'));
}

describe('Producer against scripted brokers', () => {
  let cluster: ScriptedCluster | undefined;
  const producers: Producer[] = [];

  async function connectedProducer(brokers: string[], seed?: number, options: ProducerOptions = {}): Promise<Producer> {
    const producer = quillFor(brokers, seed).producer(options);
    producers.push(producer);
    await producer.connect();
    return producer;
  }

  afterEach(async () => {
    for (const p of producers.splice(0)) await p.disconnect();
    await cluster?.stop();
    cluster = undefined;
  });

  it('sends each partition to its leader, one request per broker, keys placed by murmur2', async () => {
    cluster = await ScriptedCluster.start([1, 2, 3]);
    cluster.addTopic('orders', [1, 2, 3, 1]);
    const producer = await connectedProducer([cluster.address(1)]);
    const keys = Array.from({ length: 40 }, (_, i) => `key-${i}`);
    const results = await producer.send({
      topic: 'orders',
      messages: keys.map((key) => ({ key, value: `value-of-${key}`, headers: { source: 'test', trace: ['a', 'b'] } })),
    });

    // Every message is on the partition Kafka's partitioner picks, in order.
    for (let partition = 0; partition < 4; partition++) {
      const expected = keys.filter((k) => partitionForKey(k, 4) === partition).map((k) => `value-of-${k}`);
      expect(values(cluster, 'orders', partition)).toEqual(expected);
    }
    const [firstBatch] = decodeBatches(cluster.log('orders', 0));
    expect(firstBatch!.records[0]!.headers).toEqual([
      { key: 'source', value: Buffer.from('test') },
      { key: 'trace', value: Buffer.from('a') },
      { key: 'trace', value: Buffer.from('b') },
    ]);
    // One Produce per leader broker, each carrying only the partitions it leads.
    expect(producedPartitions(cluster, 1)).toEqual([['orders-0', 'orders-3']]);
    expect(producedPartitions(cluster, 2)).toEqual([['orders-1']]);
    expect(producedPartitions(cluster, 3)).toEqual([['orders-2']]);
    expect(cluster.callsTo('Produce').every((c) => c.clientId === 'producer-test')).toBe(true);
    // KafkaJS-shaped results, one per partition.
    expect(results.map((r) => r.partition).sort()).toEqual([0, 1, 2, 3]);
    for (const r of results) {
      expect(r).toEqual({ topicName: 'orders', partition: r.partition, errorCode: 0, baseOffset: 0, logAppendTime: -1, logStartOffset: 0 });
    }

    // A second send continues the offsets.
    const again = await producer.send({ topic: 'orders', messages: [{ key: 'key-0', value: 'again' }] });
    const partition = partitionForKey('key-0', 4);
    expect(again).toEqual([
      expect.objectContaining({ partition, baseOffset: keys.filter((k) => partitionForKey(k, 4) === partition).length }),
    ]);
  });

  it('honours an explicit partition over the key, and sticks null keys to one partition per batch (KIP-480)', async () => {
    cluster = await ScriptedCluster.start([1]);
    cluster.addTopic('t', [1, 1, 1]);
    const producer = await connectedProducer(cluster.addresses());
    await producer.send({ topic: 't', messages: [{ key: 'foobar', value: 'pinned', partition: 2 }] });
    expect(values(cluster, 't', 2)).toEqual(['pinned']);
    const [first] = await producer.send({ topic: 't', messages: Array.from({ length: 6 }, (_, i) => ({ value: `n${i}` })) });
    // All six in one batch of one partition; the next batch goes to another partition.
    expect(values(cluster, 't', first!.partition).filter((v) => v.startsWith('n'))).toEqual(['n0', 'n1', 'n2', 'n3', 'n4', 'n5']);
    const [second] = await producer.send({ topic: 't', messages: [{ value: 'm0' }, { key: null, value: 'm1' }] });
    expect(second!.partition).not.toBe(first!.partition);
    expect(values(cluster, 't', second!.partition).filter((v) => v.startsWith('m'))).toEqual(['m0', 'm1']);
  });

  it('retries only the partition that failed with NOT_LEADER_OR_FOLLOWER, after a metadata refresh moves its leader', async () => {
    cluster = await ScriptedCluster.start([1, 2, 3]);
    cluster.addTopic('t', [1, 2]);
    const producer = await connectedProducer([cluster.address(3)]);
    await producer.send({ topic: 't', messages: [{ value: 'warm-up', partition: 0 }] });
    const metadataBefore = cluster.callsTo('Metadata').length;

    // Partition 1's leadership moves from broker 2 to broker 3; the client does not know yet.
    cluster.moveLeader('t', 1, 3);
    const results = await producer.send({
      topic: 't',
      messages: [
        { value: 'p0', partition: 0 },
        { value: 'p1', partition: 1 },
      ],
    });

    expect(results.map((r) => [r.partition, r.baseOffset])).toEqual([
      [0, 1],
      [1, 0],
    ]);
    // Partition 0 was sent once (to broker 1) and never again; partition 1 went to broker 2,
    // was refused, and was resent alone to broker 3.
    expect(producedPartitions(cluster, 1)).toEqual([['t-0'], ['t-0']]);
    expect(producedPartitions(cluster, 2)).toEqual([['t-1']]);
    expect(producedPartitions(cluster, 3)).toEqual([['t-1']]);
    expect(cluster.callsTo('Metadata').length).toBeGreaterThan(metadataBefore);
    expect(values(cluster, 't', 0)).toEqual(['warm-up', 'p0']);
    expect(values(cluster, 't', 1)).toEqual(['p1']);
  });

  it('surfaces a non-retriable error (MESSAGE_TOO_LARGE) at once, with its code', async () => {
    cluster = await ScriptedCluster.start([1, 2]);
    cluster.addTopic('t', [1, 2]);
    cluster.onProducePartition = ({ partition }) =>
      partition === 1 ? { errorCode: 'MESSAGE_TOO_LARGE', errorMessage: 'batch of 2 MiB exceeds max.message.bytes' } : undefined;
    const producer = await connectedProducer(cluster.addresses());
    const error = await producer
      .send({
        topic: 't',
        messages: [
          { value: 'ok', partition: 0 },
          { value: 'big', partition: 1 },
        ],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuillError);
    expect(error).toMatchObject({ code: ErrorCode.MESSAGE_TOO_LARGE, retriable: false });
    expect((error as Error).message).toContain('t-1');
    expect((error as Error).message).toContain('max.message.bytes');
    expect(cluster.callsTo('Produce', 2)).toHaveLength(1);
    expect(cluster.callsTo('Produce', 1)).toHaveLength(1);
  });

  it('gives up on a retriable error after the retries, with its code', async () => {
    cluster = await ScriptedCluster.start([1]);
    cluster.addTopic('t', [1]);
    cluster.onProducePartition = () => ({ errorCode: 'NOT_ENOUGH_REPLICAS', errorMessage: 'ISR 1 < min.insync.replicas 2' });
    const producer = await connectedProducer(cluster.addresses());
    const error = await producer.send({ topic: 't', messages: [{ value: 'x' }] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.NOT_ENOUGH_REPLICAS, retriable: true });
    expect((error as Error).message).toMatch(/gave up after 4 retries/);
    expect(cluster.callsTo('Produce')).toHaveLength(5);
  });

  it('retries a broker that is unreachable, refreshing metadata to find the new leader', async () => {
    cluster = await ScriptedCluster.start([1, 2]);
    cluster.addTopic('t', [1]);
    const producer = await connectedProducer([cluster.address(2)]);
    await producer.send({ topic: 't', messages: [{ value: 'before' }] });
    cluster.stopNode(1);
    cluster.moveLeader('t', 0, 2);
    const [result] = await producer.send({ topic: 't', messages: [{ value: 'after' }] });
    expect(result).toMatchObject({ partition: 0, baseOffset: 1 });
    expect(values(cluster, 't', 0)).toEqual(['before', 'after']);
  });

  it('waits out a partition without a leader, retrying after a backoff until one is elected', async () => {
    cluster = await ScriptedCluster.start([1, 2]);
    cluster.addTopic('t', [1]);
    const producer = await connectedProducer([cluster.address(2)]);
    await producer.send({ topic: 't', messages: [{ value: 'before' }] });
    cluster.stopNode(1);
    cluster.moveLeader('t', 0, -1);
    setTimeout(() => cluster!.moveLeader('t', 0, 2), 150);
    const [result] = await producer.send({ topic: 't', messages: [{ value: 'after' }] });
    expect(result).toMatchObject({ partition: 0, baseOffset: 1 });
    expect(values(cluster, 't', 0)).toEqual(['before', 'after']);
  });

  it('waits for a topic that is not in metadata yet (UNKNOWN_TOPIC_OR_PARTITION is retriable)', async () => {
    cluster = await ScriptedCluster.start([1]);
    const producer = await connectedProducer(cluster.addresses());
    setTimeout(() => cluster!.addTopic('late', [1]), 30);
    const [result] = await producer.send({ topic: 'late', messages: [{ value: 'x' }] });
    expect(result).toMatchObject({ topicName: 'late', baseOffset: 0 });

    const error = await producer.send({ topic: 'never', messages: [{ value: 'x' }] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, retriable: true });
  });

  it('acks=0 sends and returns without reading results', async () => {
    cluster = await ScriptedCluster.start([1]);
    cluster.addTopic('t', [1]);
    const producer = await connectedProducer(cluster.addresses());
    const results = await producer.send({ topic: 't', acks: 0, messages: [{ value: 'fire' }, { value: 'forget' }] });
    expect(results).toEqual([
      { topicName: 't', partition: 0, errorCode: 0, baseOffset: -1, logAppendTime: -1, logStartOffset: -1 },
    ]);
    expect((cluster.callsTo('Produce')[0]!.request as ProduceRequest__Output).acks).toBe(0);
    expect(values(cluster, 't', 0)).toEqual(['fire', 'forget']);
  });

  it('passes acks, timeout and compression on; sendBatch covers several topics in one request per broker', async () => {
    cluster = await ScriptedCluster.start([1]);
    cluster.addTopic('a', [1]);
    cluster.addTopic('b', [1]);
    const producer = await connectedProducer(cluster.addresses());
    const results = await producer.sendBatch({
      acks: 1,
      timeout: 1234,
      compression: 'gzip',
      topicMessages: [
        { topic: 'a', messages: [{ value: 'a1', timestamp: '1700000000000' }] },
        { topic: 'b', messages: [{ value: 'b1' }] },
        { topic: 'a', messages: [{ value: 'a2' }] },
      ],
    });
    expect(results.map((r) => r.topicName)).toEqual(['a', 'b']);
    const [call] = cluster.callsTo('Produce');
    expect(call!.request).toMatchObject({ acks: 1, timeoutMs: 1234 });
    const [batch] = decodeBatches(cluster.log('a', 0));
    expect(batch!.header.compression).toBe('gzip');
    expect(batch!.records.map((r) => [r.value?.toString(), r.offset])).toEqual([
      ['a1', 0],
      ['a2', 1],
    ]);
    expect(batch!.records[0]!.timestamp).toBe(1_700_000_000_000);
  });

  it('rejects bad input with non-retriable errors, and sending before connect with QuillStateError', async () => {
    cluster = await ScriptedCluster.start([1]);
    cluster.addTopic('t', [1]);
    const idle = quillFor(cluster.addresses()).producer();
    await expect(idle.send({ topic: 't', messages: [{ value: 'x' }] })).rejects.toBeInstanceOf(QuillStateError);
    const producer = await connectedProducer(cluster.addresses());
    await expect(producer.send({ topic: 't', acks: 2 as -1, messages: [{ value: 'x' }] })).rejects.toMatchObject({
      code: ErrorCode.INVALID_REQUIRED_ACKS,
      retriable: false,
    });
    await expect(producer.send({ topic: 't', messages: [] })).rejects.toMatchObject({ code: ErrorCode.INVALID_REQUEST });
    await expect(producer.send({ topic: 't', messages: [{} as { value: null }] })).rejects.toMatchObject({
      code: ErrorCode.INVALID_RECORD,
    });
    await expect(producer.send({ topic: 't', messages: [{ value: 42 as unknown as string }] })).rejects.toMatchObject({
      code: ErrorCode.INVALID_RECORD,
      message: expect.stringMatching(/key and value must be a Buffer, a string or null/),
    });
    await expect(producer.send({ topic: 't', messages: [{ key: {} as unknown as string, value: 'v' }] })).rejects.toMatchObject({
      code: ErrorCode.INVALID_RECORD,
    });
    await expect(producer.send({ topic: 't', messages: [{ value: 'v', headers: { h: 7 as unknown as string } }] })).rejects.toMatchObject({
      code: ErrorCode.INVALID_RECORD,
      message: expect.stringMatching(/header values/),
    });
    expect(cluster.callsTo('Produce')).toHaveLength(0);
  });

  it('a transport failure of one broker retries only that broker’s partitions', async () => {
    cluster = await ScriptedCluster.start([1, 2]);
    cluster.addTopic('t', [1, 2]);
    let failures = 1;
    cluster.intercept = (nodeId, method) =>
      method === 'Produce' && nodeId === 2 && failures-- > 0 ? { code: grpc.status.UNAVAILABLE, details: 'blip' } : undefined;
    const producer = await connectedProducer(cluster.addresses());
    await producer.send({ topic: 't', messages: [{ value: 'x', partition: 0 }, { value: 'y', partition: 1 }] });
    expect(producedPartitions(cluster, 1)).toEqual([['t-0']]);
    expect(producedPartitions(cluster, 2)).toEqual([['t-1'], ['t-1']]);
    expect(values(cluster, 't', 1)).toEqual(['y']);
  });

  it('connect() fails with NETWORK_EXCEPTION when no broker answers', async () => {
    const producer = quillFor([await deadAddress()]).producer();
    await expect(producer.connect()).rejects.toMatchObject({ code: ErrorCode.NETWORK_EXCEPTION });
    await expect(producer.send({ topic: 't', messages: [{ value: 'x' }] })).rejects.toBeInstanceOf(QuillStateError);
  });

  describe('batching, backpressure and draining', () => {
    it('lingers: sends within lingerMs share one request; a full batch goes without waiting', async () => {
      cluster = await ScriptedCluster.start([1]);
      cluster.addTopic('t', [1]);
      const producer = await connectedProducer(cluster.addresses(), 1, { lingerMs: 200, batchSize: 1_000 });
      const started = Date.now();
      const first = producer.send({ topic: 't', messages: [{ value: 'a' }] });
      await new Promise((resolve) => setTimeout(resolve, 20));
      const second = producer.send({ topic: 't', messages: [{ value: 'b' }] });
      const [[r1], [r2]] = await Promise.all([first, second]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
      expect(cluster.callsTo('Produce')).toHaveLength(1);
      expect([r1!.baseOffset, r2!.baseOffset]).toEqual([0, 1]);

      // A batch that reaches batchSize does not linger (the rest, in a batch not full, does).
      const arrivals: number[] = [];
      cluster.intercept = (_nodeId, method) => void (method === 'Produce' && arrivals.push(Date.now()));
      const fullAt = Date.now();
      await producer.send({ topic: 't', messages: Array.from({ length: 30 }, (_, i) => ({ value: `${i}`.padEnd(40, '.') })) });
      expect(arrivals[0]! - fullAt).toBeLessThan(150);
      expect(arrivals[arrivals.length - 1]! - fullAt).toBeGreaterThanOrEqual(190);
    });

    it('splits a broker’s batches over requests of at most maxRequestSize, and compresses with every codec', async () => {
      cluster = await ScriptedCluster.start([1]);
      cluster.addTopic('t', [1, 1, 1, 1]);
      const producer = await connectedProducer(cluster.addresses(), 1, { maxRequestSize: 3_000, batchSize: 2_500 });
      const value = 'x'.repeat(1_000);
      await producer.send({ topic: 't', messages: [0, 1, 2, 3].flatMap((partition) => [{ value, partition }, { value, partition }]) });
      const requests = producedPartitions(cluster, 1);
      expect(requests.flat().sort()).toEqual(['t-0', 't-1', 't-2', 't-3']);
      expect(requests.length).toBeGreaterThanOrEqual(4); // one ~2 KiB batch per request

      for (const compression of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
        await producer.send({ topic: 't', compression, messages: [{ value: `${compression}-1`, partition: 0 }, { value: `${compression}-2`, partition: 0 }] });
        const batches = decodeBatches(cluster.log('t', 0));
        expect(batches[batches.length - 1]!.header.compression).toBe(compression);
        expect(values(cluster, 't', 0).slice(-2)).toEqual([`${compression}-1`, `${compression}-2`]);
      }
    });

    it('makes send wait while the buffer is full, and rejects after maxBlockMs with REQUEST_TIMED_OUT', async () => {
      cluster = await ScriptedCluster.start([1]);
      cluster.addTopic('t', [1]);
      let holdMs = 300;
      cluster.intercept = (_nodeId, method) => (method === 'Produce' ? holdMs : undefined);
      const producer = await connectedProducer(cluster.addresses(), 1, { maxBufferedBytes: 3_000, maxBlockMs: 2_000, batchSize: 1_200 });
      const value = 'v'.repeat(1_000);
      const started = Date.now();
      const first = producer.send({ topic: 't', messages: [{ value }, { value }] });
      // The buffer holds two records: the third waits until the first batch is acknowledged.
      const third = await producer.send({ topic: 't', messages: [{ value }] });
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      await first;
      expect(third[0]!.baseOffset).toBe(2);

      holdMs = 5_000;
      const blocked = await connectedProducer(cluster.addresses(), 2, { maxBufferedBytes: 3_000, maxBlockMs: 100, batchSize: 1_200 });
      const filling = blocked.send({ topic: 't', messages: [{ value }, { value }] });
      const error = await blocked.send({ topic: 't', messages: [{ value }] }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: ErrorCode.REQUEST_TIMED_OUT });
      expect((error as Error).message).toMatch(/maxBufferedBytes 3000.*maxBlockMs 100/);
      // A message that could never fit is refused at once.
      await expect(blocked.send({ topic: 't', messages: [{ value: 'z'.repeat(4_000) }] })).rejects.toMatchObject({ code: ErrorCode.MESSAGE_TOO_LARGE });
      holdMs = 0;
      await filling;
    });

    it('disconnect() sends what is buffered first; flush() waits for everything sent so far', async () => {
      cluster = await ScriptedCluster.start([1]);
      cluster.addTopic('t', [1]);
      const producer = quillFor(cluster.addresses()).producer({ lingerMs: 60_000 });
      await producer.connect();
      const pending = producer.send({ topic: 't', messages: [{ value: 'a' }] });
      await producer.flush();
      expect(values(cluster, 't', 0)).toEqual(['a']);
      await pending;
      const late = producer.send({ topic: 't', messages: [{ value: 'b' }] });
      await producer.disconnect();
      await expect(late).resolves.toEqual([expect.objectContaining({ baseOffset: 1 })]);
      expect(values(cluster, 't', 0)).toEqual(['a', 'b']);
      await expect(producer.send({ topic: 't', messages: [{ value: 'c' }] })).rejects.toBeInstanceOf(QuillStateError);
    });

    it(`without idempotence, maxInFlightRequests 1 keeps a partition in order through retries (seed ${SEED})`, async () => {
      const random = new SeededRandom(SEED);
      cluster = await ScriptedCluster.start([1]);
      cluster.addTopic('t', [1]);
      cluster.intercept = (_nodeId, method) => (method === 'Produce' && random.chance(0.2) ? { code: grpc.status.UNAVAILABLE, details: 'request lost' } : random.int(0, 5));
      const producer = await connectedProducer(cluster.addresses(), SEED, {
        idempotent: false,
        maxInFlightRequests: 1,
        batchSize: 100,
        retry: { retries: 30, initialRetryTimeMs: 2, maxRetryTimeMs: 10 },
      });
      await Promise.all(Array.from({ length: 200 }, (_, i) => producer.send({ topic: 't', messages: [{ value: String(i) }] })));
      expect(values(cluster, 't', 0), `seed ${SEED}`).toEqual(Array.from({ length: 200 }, (_, i) => String(i)));
      expect(stampsOf(cluster).every((producerId) => producerId === -1)).toBe(true);
    });

    it('refuses options that make no sense, and more than 5 in flight with idempotence', () => {
      const quill = quillFor(['127.0.0.1:1']);
      expect(() => quill.producer({ maxInFlightRequests: 6 })).toThrow(/at most 5 maxInFlightRequests/);
      expect(() => quill.producer({ maxInFlightRequests: 6, idempotent: false })).not.toThrow();
      expect(() => quill.producer({ batchSize: 0 })).toThrow(QuillError);
      expect(() => quill.producer({ lingerMs: -1 })).toThrow(/lingerMs/);
    });
  });

  describe('idempotence (on by default for acks=-1)', () => {
    /** Producer id, epoch and base sequence of every batch Produce carried, in call order. */
    function stamps(c: ScriptedCluster): Array<{ producerId: number; baseSequence: number; partition: number }> {
      return c.callsTo('Produce').flatMap((call) =>
        (call.request as ProduceRequest__Output).topics.flatMap((t) =>
          t.partitions.map((p) => {
            const header = readBatchHeader(p.records);
            return { producerId: header.producerId, baseSequence: header.baseSequence, partition: p.partition };
          }),
        ),
      );
    }

    it('stamps batches with one producer id and per-partition sequences, and resends the same sequence on retry', async () => {
      cluster = await ScriptedCluster.start([1]);
      cluster.addTopic('t', [1, 1]);
      let failures = 1;
      cluster.intercept = (_nodeId, method) => (method === 'Produce' && failures-- > 0 ? { code: grpc.status.UNAVAILABLE, details: 'blip' } : undefined);
      const producer = await connectedProducer(cluster.addresses());
      await producer.send({ topic: 't', messages: [{ value: 'a', partition: 0 }, { value: 'b', partition: 0 }] });
      await producer.send({ topic: 't', messages: [{ value: 'c', partition: 0 }, { value: 'd', partition: 1 }] });
      const seen = stamps(cluster);
      expect(new Set(seen.map((s) => s.producerId)).size).toBe(1);
      expect(seen[0]!.producerId).toBeGreaterThanOrEqual(0);
      // The first send failed once and was resent with the same sequence.
      expect(seen.map((s) => [s.partition, s.baseSequence])).toEqual([[0, 0], [0, 0], [0, 2], [1, 0]]);
      expect(cluster.callsTo('InitProducerId')).toHaveLength(1);
    });

    it('pipelines up to maxInFlightRequests requests per broker, and a partition’s batches stay in sequence order', async () => {
      cluster = await ScriptedCluster.start([1]);
      cluster.addTopic('t', [1, 1]);
      cluster.checkSequences = true;
      let inFlight = 0;
      let mostInFlight = 0;
      cluster.intercept = (_nodeId, method) => {
        if (method !== 'Produce') return undefined;
        inFlight++;
        mostInFlight = Math.max(mostInFlight, inFlight);
        return 30;
      };
      cluster.loseResponse = (_nodeId, method) => {
        if (method === 'Produce') inFlight--;
        return undefined;
      };
      // A batch per record (batchSize below two records), so every send is its own batch.
      const producer = await connectedProducer(cluster.addresses(), 1, { batchSize: 80, maxInFlightRequests: 3 });
      const sends = Array.from({ length: 12 }, (_, i) => producer.send({ topic: 't', messages: [{ value: `${i}`, partition: i % 2 }] }));
      await Promise.all(sends);
      expect(mostInFlight).toBe(3);
      expect(values(cluster, 't', 0)).toEqual(['0', '2', '4', '6', '8', '10']);
      expect(values(cluster, 't', 1)).toEqual(['1', '3', '5', '7', '9', '11']);
      expect(decodeBatches(cluster.log('t', 0)).map((batch) => batch.header.baseSequence)).toEqual([0, 1, 2, 3, 4, 5]);
    });

    it(`ends with every value exactly once and in order under lost requests, lost responses, delays and leader moves (seed ${SEED})`, async () => {
      const random = new SeededRandom(SEED);
      cluster = await ScriptedCluster.start([1, 2]);
      cluster.addTopic('t', [1, 2]);
      cluster.checkSequences = true;
      const c = cluster;
      c.intercept = (_nodeId, method) => {
        if (method !== 'Produce') return undefined;
        if (random.chance(0.1)) return { code: grpc.status.UNAVAILABLE, details: 'request lost' };
        return random.int(0, 15);
      };
      c.loseResponse = (_nodeId, method) => (method === 'Produce' && random.chance(0.1) ? { code: grpc.status.UNAVAILABLE, details: 'response lost' } : undefined);
      const producer = await connectedProducer(c.addresses(), SEED, { batchSize: 200, maxInFlightRequests: 5, retry: { retries: 30, initialRetryTimeMs: 5, maxRetryTimeMs: 20 } });
      const total = 600;
      const sends: Array<Promise<unknown>> = [];
      for (let i = 0; i < total; i++) {
        sends.push(producer.send({ topic: 't', messages: [{ value: String(i), partition: i % 2 }] }));
        if (i % 50 === 25) {
          await Promise.race([Promise.all(sends), new Promise((resolve) => setTimeout(resolve, 5))]);
          const partition = random.int(0, 1);
          c.moveLeader('t', partition, c.partition('t', partition).leader === 1 ? 2 : 1);
        }
      }
      await Promise.all(sends);
      for (const partition of [0, 1]) {
        const expected = Array.from({ length: total / 2 }, (_, i) => String(2 * i + partition));
        expect(values(c, 't', partition), `seed ${SEED}, partition ${partition}`).toEqual(expected);
      }
    });

    it('fails a batch the broker finds out of order with nothing older pending, and starts over with a new producer id', async () => {
      cluster = await ScriptedCluster.start([1]);
      cluster.addTopic('t', [1]);
      const producer = await connectedProducer(cluster.addresses());
      await producer.send({ topic: 't', messages: [{ value: 'a' }] });
      let refusals = 1;
      cluster.onProducePartition = () => (refusals-- > 0 ? { errorCode: 'OUT_OF_ORDER_SEQUENCE_NUMBER', errorMessage: 'expected 1, got 7' } : undefined);
      await expect(producer.send({ topic: 't', messages: [{ value: 'gap' }] })).rejects.toMatchObject({ code: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
      await producer.send({ topic: 't', messages: [{ value: 'b' }] });
      const seen = stamps(cluster);
      expect(seen.map((x) => x.baseSequence)).toEqual([0, 1, 0]);
      expect(seen[2]!.producerId).not.toBe(seen[0]!.producerId);
      expect(values(cluster, 't', 0)).toEqual(['a', 'b']);
    });

    it('starts a re-created topic at sequence 0 under the same producer id, with metadata not refreshed since the delete', async () => {
      cluster = await ScriptedCluster.start([1]);
      cluster.addTopic('t', [1]);
      cluster.checkSequences = true;
      const producer = await connectedProducer(cluster.addresses());
      for (const value of ['old-0', 'old-1', 'old-2']) await producer.send({ topic: 't', messages: [{ value }] });
      cluster.deleteTopic('t');
      cluster.addTopic('t', [1]);
      await producer.send({ topic: 't', messages: [{ value: 'new-0' }] });
      await producer.send({ topic: 't', messages: [{ value: 'new-1' }] });
      expect(values(cluster, 't', 0)).toEqual(['new-0', 'new-1']);
      expect(decodeBatches(cluster.log('t', 0)).map((batch) => batch.header.baseSequence)).toEqual([0, 1]);
      const ids = new Set(stamps(cluster).map((s) => s.producerId));
      expect(ids.size).toBe(1);
      expect(cluster.callsTo('InitProducerId')).toHaveLength(1);
    });

    it('re-sequences an unacknowledged batch into the re-created topic only when no attempt of it can have landed in the deleted one', async () => {
      cluster = await ScriptedCluster.start([1, 2]);
      cluster.addTopic('t', [1, 2]);
      cluster.checkSequences = true;
      const c = cluster;
      const producer = await connectedProducer(c.addresses(), 1, { retry: { retries: 8, initialRetryTimeMs: 20, maxRetryTimeMs: 50 } });
      await producer.send({ topic: 't', messages: [{ value: 'old-0', partition: 0 }, { value: 'old-1', partition: 1 }] });
      // Partition 0 (broker 1): appended to the old topic, the answer lost (it may be there). Partition 1 (broker 2): refused before any append.
      let recreated = false;
      c.loseResponse = (nodeId, method) => (method === 'Produce' && nodeId === 1 && !recreated ? { code: grpc.status.UNAVAILABLE, details: 'response lost' } : undefined);
      c.onProducePartition = ({ partition }) => (!recreated && partition === 1 ? { errorCode: 'LEADER_NOT_AVAILABLE', errorMessage: 'electing' } : undefined);
      const maybeLanded = producer.send({ topic: 't', messages: [{ value: 'maybe-in-old', partition: 0 }] });
      const refused = producer.send({ topic: 't', messages: [{ value: 'never-in-old', partition: 1 }] });
      const settled = Promise.allSettled([maybeLanded, refused]);
      await eventually(() => c.partition('t', 0).batches.length === 2, { timeoutMs: 10_000, description: 'the batch appended to the old topic' });
      c.deleteTopic('t');
      c.addTopic('t', [1, 2]);
      recreated = true;
      const [landed, never] = await settled;
      expect(landed).toMatchObject({ status: 'rejected', reason: { code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION } });
      expect(never).toMatchObject({ status: 'fulfilled' });
      await producer.send({ topic: 't', messages: [{ value: 'new-0', partition: 0 }] });
      expect(values(c, 't', 0)).toEqual(['new-0']);
      expect(values(c, 't', 1)).toEqual(['never-in-old']);
      expect(decodeBatches(c.log('t', 0)).map((batch) => batch.header.baseSequence)).toEqual([0]);
      expect(decodeBatches(c.log('t', 1)).map((batch) => batch.header.baseSequence)).toEqual([0]);
      expect(c.callsTo('InitProducerId')).toHaveLength(1);
    });

    it('starts over with a new producer id after a batch fails for good, and leaves acks=1 batches unstamped', async () => {
      cluster = await ScriptedCluster.start([1]);
      cluster.addTopic('t', [1]);
      const producer = await connectedProducer(cluster.addresses());
      await producer.send({ topic: 't', messages: [{ value: 'a' }] });
      cluster.intercept = (_nodeId, method) => (method === 'Produce' ? { code: grpc.status.UNAVAILABLE, details: 'down' } : undefined);
      await expect(producer.send({ topic: 't', messages: [{ value: 'lost' }] })).rejects.toBeInstanceOf(QuillError);
      cluster.intercept = undefined;
      await producer.send({ topic: 't', messages: [{ value: 'b' }] });
      await producer.send({ topic: 't', acks: 1, messages: [{ value: 'c' }] });
      const seen = stamps(cluster);
      const first = seen[0]!;
      const last = seen[seen.length - 2]!;
      expect(last.producerId).not.toBe(first.producerId);
      expect(last.baseSequence).toBe(0);
      expect(seen[seen.length - 1]!.producerId).toBe(-1);
    });
  });
});
