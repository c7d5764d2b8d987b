import * as grpc from '@grpc/grpc-js';
import { ErrorCode, QuillError, type ProduceRequest__Output } from '@quill/proto';
import { SeededRandom } from '@quill/random';
import { decodeBatches, readBatchHeader } from '@quill/records';
import { afterEach, describe, expect, it } from 'vitest';
import { QuillStateError } from '../errors.js';
import { Quill } from '../quill.js';
import { ScriptedCluster, deadAddress } from '../test-support/scripted-cluster.js';
import { partitionForKey } from './murmur2.js';
import type { Producer } from './producer.js';

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

function values(cluster: ScriptedCluster, topic: string, partition: number): string[] {
  return decodeBatches(cluster.log(topic, partition)).flatMap((b) => b.records.map((r) => r.value?.toString() ?? 'null'));
}

describe('Producer against scripted brokers', () => {
  let cluster: ScriptedCluster | undefined;
  const producers: Producer[] = [];

  async function connectedProducer(brokers: string[], seed?: number): Promise<Producer> {
    const producer = quillFor(brokers, seed).producer();
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

  it('honours an explicit partition over the key, and spreads null keys round-robin', async () => {
    cluster = await ScriptedCluster.start([1]);
    cluster.addTopic('t', [1, 1, 1]);
    const producer = await connectedProducer(cluster.addresses());
    await producer.send({ topic: 't', messages: [{ key: 'foobar', value: 'pinned', partition: 2 }] });
    expect(values(cluster, 't', 2)).toEqual(['pinned']);
    await producer.send({ topic: 't', messages: Array.from({ length: 6 }, (_, i) => ({ value: `n${i}` })) });
    expect([0, 1, 2].map((p) => values(cluster!, 't', p).filter((v) => v.startsWith('n')).length)).toEqual([2, 2, 2]);
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

    it('keeps one batch per partition in flight: a partition waits for its previous batch, others go ahead', async () => {
      cluster = await ScriptedCluster.start([1]);
      cluster.addTopic('t', [1, 1]);
      const arrivals: string[] = [];
      cluster.intercept = (_nodeId, method, request) => {
        if (method !== 'Produce') return undefined;
        const p = (request as ProduceRequest__Output).topics[0]!.partitions[0]!;
        arrivals.push(`p${p.partition}:${readBatchHeader(p.records).baseSequence}`);
        return undefined;
      };
      const producer = await connectedProducer(cluster.addresses());
      // Hold the first Produce at the broker for 200 ms, so the others show whether they wait for it.
      const original = cluster.intercept;
      let held = false;
      cluster.intercept = (nodeId, method, request) => {
        const result = original(nodeId, method, request);
        if (method === 'Produce' && !held) {
          held = true;
          return 200;
        }
        return result;
      };
      const a = producer.send({ topic: 't', messages: [{ value: 'a', partition: 0 }] });
      const b = producer.send({ topic: 't', messages: [{ value: 'b', partition: 0 }] });
      const c = producer.send({ topic: 't', messages: [{ value: 'c', partition: 1 }] });
      await Promise.all([a, b, c]);
      // Partition 1 did not wait for partition 0; partition 0's second batch waited for its first,
      // so the log holds partition 0's batches in sequence order (concurrent sends have no order
      // between themselves, as in KafkaJS).
      expect(arrivals.indexOf('p1:0')).toBeLessThan(arrivals.indexOf('p0:1'));
      expect(arrivals.indexOf('p0:0')).toBeLessThan(arrivals.indexOf('p0:1'));
      expect(decodeBatches(cluster.log('t', 0)).map((batch) => batch.header.baseSequence)).toEqual([0, 1]);
      expect(values(cluster, 't', 0).sort()).toEqual(['a', 'b']);
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
