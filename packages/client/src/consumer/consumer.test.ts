import type { FetchRequest__Output } from '@quill/proto';
import { ErrorCode } from '@quill/proto';
import { SeededRandom } from '@quill/random';
import { encodeBatch } from '@quill/records';
import { eventually } from '@quill/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { QuillStateError } from '../errors.js';
import { Quill } from '../quill.js';
import { ScriptedCluster } from '../test-support/scripted-cluster.js';
import type { Consumer } from './consumer.js';
import type { ConsumerOptions, EachMessagePayload } from './types.js';

const FAST_RETRY = { retries: 3, initialRetryTimeMs: 20, maxRetryTimeMs: 100 };

function records(prefix: string, count: number): Array<{ key: string; value: string }> {
  return Array.from({ length: count }, (_, i) => ({ key: `${prefix}-k${i}`, value: `${prefix}-${i}` }));
}

/** `promise`, or a rejection once `timeoutMs` passed without it settling. */
async function within<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`not settled within ${timeoutMs} ms`)), timeoutMs)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('Consumer against scripted brokers', () => {
  let cluster: ScriptedCluster | undefined;
  const consumers: Consumer[] = [];

  async function connectedConsumer(options: ConsumerOptions = {}): Promise<Consumer> {
    const quill = new Quill({
      brokers: cluster!.addresses(),
      clientId: 'consumer-test',
      logLevel: 'silent',
      retry: FAST_RETRY,
      random: new SeededRandom(3),
    });
    const consumer = quill.consumer({ maxWaitTimeInMs: 200, ...options });
    consumers.push(consumer);
    await consumer.connect();
    return consumer;
  }

  afterEach(async () => {
    for (const c of consumers.splice(0)) await c.disconnect();
    await cluster?.stop();
    cluster = undefined;
  });

  it('decodes batches and skips records below its position (a fetch returns whole batches)', async () => {
    cluster = await ScriptedCluster.start([1]);
    cluster.addTopic('t', [1]);
    cluster.append('t', 0, records('a', 5)); // offsets 0-4, one batch
    cluster.append('t', 0, [{ value: 'b-5', key: null }]); // offset 5
    const consumer = await connectedConsumer();
    consumer.assign([{ topic: 't', partition: 0, offset: 3 }]);
    const seen: EachMessagePayload[] = [];
    await consumer.run({ eachMessage: async (payload) => void seen.push(payload) });
    await eventually(() => seen.length >= 3);
    expect(seen.map((m) => [m.topic, m.partition, m.message.offset, m.message.value?.toString()])).toEqual([
      ['t', 0, 3, 'a-3'],
      ['t', 0, 4, 'a-4'],
      ['t', 0, 5, 'b-5'],
    ]);
    expect(seen[0]!.message.key?.toString()).toBe('a-k3');
    expect(seen[2]!.message.key).toBeNull();
    // The broker was asked from offset 3 and returned the batch starting at 0.
    const first = cluster.callsTo('Fetch')[0]!.request as FetchRequest__Output;
    expect(first.topics[0]!.partitions[0]).toMatchObject({ partition: 0, fetchOffset: 3, currentLeaderEpoch: 0 });
    expect(first).toMatchObject({ maxWaitMs: 200, minBytes: 1, isolationLevel: 'ISOLATION_LEVEL_READ_COMMITTED' });
    expect(consumer.position('t', 0)).toBe(6);

    // New messages arrive through the long poll.
    cluster.append('t', 0, [{ value: 'c-6' }]);
    await eventually(() => seen.length === 4);
    expect(seen[3]!.message).toMatchObject({ offset: 6 });
  });

  it("resolves 'earliest' and 'latest' with ListOffsets", async () => {
    cluster = await ScriptedCluster.start([1]);
    cluster.addTopic('t', [1, 1]);
    cluster.append('t', 0, records('old', 3));
    cluster.append('t', 1, records('old', 2));
    cluster.partition('t', 0).logStartOffset = 1;
    const consumer = await connectedConsumer();
    consumer.assign([
      { topic: 't', partition: 0, offset: 'earliest' },
      { topic: 't', partition: 1, offset: 'latest' },
    ]);
    const seen: string[] = [];
    await consumer.run({ eachMessage: async ({ partition, message }) => void seen.push(`${partition}:${message.value}`) });
    await eventually(() => seen.length >= 2);
    cluster.append('t', 1, [{ value: 'new' }]);
    await eventually(() => seen.length >= 3);
    expect(seen).toEqual(['0:old-1', '0:old-2', '1:new']);
    const timestamps = cluster
      .callsTo('ListOffsets')
      .flatMap((c) => (c.request as { topics: Array<{ partitions: Array<{ partition: number; timestamp: number }> }> }).topics)
      .flatMap((t) => t.partitions.map((p) => [p.partition, p.timestamp]));
    expect(timestamps).toEqual(expect.arrayContaining([[0, -2], [1, -1]]));
  });

  it('follows a leader move: NOT_LEADER_OR_FOLLOWER refreshes metadata and it goes on from the same offset', async () => {
    cluster = await ScriptedCluster.start([1, 2]);
    cluster.addTopic('t', [1]);
    cluster.append('t', 0, records('x', 3));
    const consumer = await connectedConsumer();
    consumer.assign([{ topic: 't', partition: 0, offset: 0 }]);
    const seen: number[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.offset) });
    await eventually(() => seen.length === 3);

    cluster.moveLeader('t', 0, 2);
    cluster.append('t', 0, records('y', 2)); // offsets 3-4, on the new leader's log
    await eventually(() => seen.length === 5);
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    const fetchesToNew = cluster.callsTo('Fetch', 2).map((c) => (c.request as FetchRequest__Output).topics[0]!.partitions[0]!);
    expect(fetchesToNew[0]).toMatchObject({ fetchOffset: 3, currentLeaderEpoch: 1 });
  });

  it('refreshes metadata on FENCED_LEADER_EPOCH from a broker that knows a newer epoch', async () => {
    cluster = await ScriptedCluster.start([1]);
    cluster.addTopic('t', [1]);
    cluster.append('t', 0, records('x', 2));
    const consumer = await connectedConsumer();
    consumer.assign([{ topic: 't', partition: 0, offset: 0 }]);
    const seen: number[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.offset) });
    await eventually(() => seen.length === 2);
    const metadataBefore = cluster.callsTo('Metadata').length;
    // Re-elected in place: same leader, newer epoch. The consumer's epoch 0 is now fenced.
    cluster.moveLeader('t', 0, 1);
    cluster.append('t', 0, records('y', 1));
    await eventually(() => seen.length === 3);
    expect(cluster.callsTo('Metadata').length).toBeGreaterThan(metadataBefore);
    const epochs = cluster.callsTo('Fetch').map((c) => (c.request as FetchRequest__Output).topics[0]!.partitions[0]!.currentLeaderEpoch);
    expect(epochs).toContain(1);
  });

  it("resets to 'earliest' on OFFSET_OUT_OF_RANGE by default, and fails with autoOffsetReset 'none'", async () => {
    cluster = await ScriptedCluster.start([1]);
    cluster.addTopic('t', [1]);
    cluster.append('t', 0, records('x', 4));
    cluster.partition('t', 0).logStartOffset = 2;
    const consumer = await connectedConsumer();
    consumer.assign([{ topic: 't', partition: 0, offset: 0 }]);
    const seen: number[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.offset) });
    await eventually(() => seen.length === 2);
    expect(seen).toEqual([2, 3]);

    const strict = await connectedConsumer({ autoOffsetReset: 'none' });
    strict.assign([{ topic: 't', partition: 0, offset: 99 }]);
    const iterator = strict.messages();
    await expect(iterator.next()).rejects.toMatchObject({ code: ErrorCode.OFFSET_OUT_OF_RANGE });
  });

  it('messages() iterates, seek() moves the position, and disconnect() ends the iteration', async () => {
    cluster = await ScriptedCluster.start([1]);
    cluster.addTopic('t', [1]);
    cluster.append('t', 0, records('m', 6));
    const consumer = await connectedConsumer();
    consumer.assign([{ topic: 't', partition: 0, offset: '1' }]);
    const seen: Array<[number, string | undefined]> = [];
    const iteration = (async () => {
      for await (const message of consumer) {
        seen.push([message.offset, message.value?.toString()]);
        expect(message).toMatchObject({ topic: 't', partition: 0 });
        if (message.offset === 2) consumer.seek({ topic: 't', partition: 0, offset: 5 });
        if (message.offset === 5) consumer.seek({ topic: 't', partition: 0, offset: 0 });
        if (seen.length === 5) void consumer.disconnect();
      }
    })();
    await iteration;
    expect(seen).toEqual([
      [1, 'm-1'],
      [2, 'm-2'],
      [5, 'm-5'],
      [0, 'm-0'],
      [1, 'm-1'],
    ]);
  });

  it('pipelines fetches: handing data out sends the next fetch from its end while the reader holds it', async () => {
    cluster = await ScriptedCluster.start([1]);
    cluster.addTopic('t', [1]);
    cluster.append('t', 0, records('a', 5)); // offsets 0-4
    const consumer = await connectedConsumer({ maxWaitTimeInMs: 2_000 });
    consumer.assign([{ topic: 't', partition: 0, offset: 0 }]);
    const iterator = consumer.messages();
    const fetchOffsets = (): number[] =>
      cluster!.callsTo('Fetch').map((call) => (call.request as FetchRequest__Output).topics[0]!.partitions[0]!.fetchOffset);
    expect((await iterator.next()).value).toMatchObject({ offset: 0 });
    // The reader holds offset 0; the fetch for what follows offset 4 is already waiting at the broker.
    await eventually(() => fetchOffsets().includes(5));
    cluster.append('t', 0, records('b', 2)); // offsets 5-6, answered to that waiting fetch
    const offsets: number[] = [];
    for (let i = 0; i < 6; i++) offsets.push((await iterator.next()).value!.offset);
    expect(offsets).toEqual([1, 2, 3, 4, 5, 6]);
    expect(fetchOffsets().slice(0, 2)).toEqual([0, 5]);
    await iterator.return?.();
  });

  it('a read left early starts again at its position, dropping data fetched ahead of it', async () => {
    cluster = await ScriptedCluster.start([1]);
    cluster.addTopic('t', [1]);
    cluster.append('t', 0, records('a', 3)); // offsets 0-2
    cluster.append('t', 0, records('b', 3)); // offsets 3-5
    const consumer = await connectedConsumer({ maxBytesPerPartition: 1 }); // one batch per fetch
    consumer.assign([{ topic: 't', partition: 0, offset: 0 }]);
    const first = consumer.messages();
    expect((await first.next()).value).toMatchObject({ offset: 0 });
    expect((await first.next()).value).toMatchObject({ offset: 1 });
    // The batch at 3 is fetched ahead while offset 1 is being read; then the reader leaves.
    await eventually(() => cluster!.callsTo('Fetch').some((call) => (call.request as FetchRequest__Output).topics[0]!.partitions[0]!.fetchOffset === 3));
    await first.return?.();
    const again: number[] = [];
    for await (const message of consumer.messages()) {
      again.push(message.offset);
      if (message.offset === 5) break;
    }
    // Offset 1 was not marked read (leaving early delivers it again), and nothing is skipped.
    expect(again).toEqual([1, 2, 3, 4, 5]);
  });

  it('pause drops data fetched ahead of the reader; after resume the partition reads on from its position', async () => {
    cluster = await ScriptedCluster.start([1]);
    cluster.addTopic('t', [1, 1]);
    cluster.append('t', 0, records('a', 2)); // partition 0: offsets 0-1
    cluster.append('t', 0, records('c', 2)); // partition 0: offsets 2-3
    const consumer = await connectedConsumer({ maxBytesPerPartition: 1 }); // one batch per fetch
    consumer.assign([
      { topic: 't', partition: 0, offset: 0 },
      { topic: 't', partition: 1, offset: 0 },
    ]);
    const iterator = consumer.messages();
    expect((await iterator.next()).value).toMatchObject({ partition: 0, offset: 0 });
    // White-box: wait until the batch at 2, fetched ahead, is buffered, then pause its partition.
    const fetcher = consumer['fetcher'];
    await eventually(() => fetcher['ready'].length > 0);
    consumer.pause([{ topic: 't', partition: 0 }]);
    // The rest of what the reader was given still comes; the buffered batch does not.
    expect((await iterator.next()).value).toMatchObject({ partition: 0, offset: 1 });
    cluster.append('t', 1, records('b', 1));
    expect((await within(iterator.next(), 10_000)).value).toMatchObject({ partition: 1, offset: 0 });
    consumer.resume([{ topic: 't', partition: 0 }]);
    const seen: string[] = [];
    for (let i = 0; i < 2; i++) {
      const message = (await within(iterator.next(), 10_000)).value!;
      seen.push(`${message.partition}:${message.offset}`);
    }
    expect(seen).toEqual(['0:2', '0:3']);
    await iterator.return?.();
  });

  it('fetches the other partitions with the fetch ahead: one without data last time is not left waiting', async () => {
    cluster = await ScriptedCluster.start([1]);
    cluster.addTopic('t', [1, 1]);
    cluster.append('t', 0, records('a', 3)); // partition 0: offsets 0-2; partition 1 empty
    const consumer = await connectedConsumer({ maxWaitTimeInMs: 60_000 });
    consumer.assign([
      { topic: 't', partition: 0, offset: 0 },
      { topic: 't', partition: 1, offset: 0 },
    ]);
    const iterator = consumer.messages();
    expect((await iterator.next()).value).toMatchObject({ partition: 0, offset: 0 });
    // Partition 0 is fetched ahead (from 3) and waits at the broker; partition 1 must be in that fetch.
    cluster.append('t', 1, records('b', 1));
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const message = (await within(iterator.next(), 10_000)).value!;
      seen.push(`${message.partition}:${message.offset}`);
    }
    expect(seen).toEqual(['0:1', '0:2', '1:0']);
    await iterator.return?.();
  });

  it('resolves a position while fetched-ahead data waits, and fetches it with the next fetch ahead', async () => {
    cluster = await ScriptedCluster.start([1]);
    cluster.addTopic('t', [1, 1]);
    cluster.append('t', 0, records('a', 2)); // partition 0: offsets 0-1
    cluster.append('t', 1, records('b', 2)); // partition 1: offsets 0-1
    const consumer = await connectedConsumer({ maxWaitTimeInMs: 60_000 });
    consumer.assign([
      { topic: 't', partition: 0, offset: 0 },
      { topic: 't', partition: 1, offset: 'latest' },
    ]);
    const iterator = consumer.messages();
    expect((await iterator.next()).value).toMatchObject({ partition: 0, offset: 0 });
    cluster.append('t', 0, records('c', 2)); // offsets 2-3, the answer to the fetch ahead
    // White-box: wait until that answer is buffered, so the poll after offset 1 finds data ready.
    const fetcher = consumer['fetcher'];
    await eventually(() => fetcher['ready'].length > 0);
    consumer.seek({ topic: 't', partition: 1, offset: 'earliest' });
    const seen: string[] = [];
    for (let i = 0; i < 5; i++) {
      const message = (await within(iterator.next(), 10_000)).value!;
      seen.push(`${message.partition}:${message.offset}`);
    }
    expect(seen).toEqual(['0:1', '0:2', '0:3', '1:0', '1:1']);
    await iterator.return?.();
  });

  it('delivers a message again after its handler throws, and crashes after the retries', async () => {
    cluster = await ScriptedCluster.start([1]);
    cluster.addTopic('t', [1]);
    cluster.append('t', 0, records('h', 3));
    const consumer = await connectedConsumer();
    consumer.assign([{ topic: 't', partition: 0, offset: 0 }]);
    const attempts: number[] = [];
    let failOffset1 = 2;
    await consumer.run({
      eachMessage: async ({ message }) => {
        attempts.push(message.offset);
        if (message.offset === 1 && failOffset1-- > 0) throw new Error('handler failed');
      },
    });
    await eventually(() => attempts.includes(2));
    expect(attempts).toEqual([0, 1, 1, 1, 2]);
    await consumer.disconnect();

    const crashing = await connectedConsumer();
    crashing.assign([{ topic: 't', partition: 0, offset: 0 }]);
    const crashes: Error[] = [];
    crashing.on(crashing.events.CRASH, ({ error }) => crashes.push(error));
    let calls = 0;
    await crashing.run({
      eachMessage: async () => {
        calls++;
        throw new Error('always');
      },
    });
    await eventually(() => crashes.length === 1);
    expect(crashes[0]!.message).toBe('always');
    expect(calls).toBe(FAST_RETRY.retries + 1);
    expect(crashing.position('t', 0)).toBe(0);
  });

  it('disconnect() waits for the running handler, cancels the long poll, and stops', async () => {
    cluster = await ScriptedCluster.start([1]);
    cluster.addTopic('t', [1]);
    cluster.append('t', 0, records('d', 1));
    const consumer = await connectedConsumer({ maxWaitTimeInMs: 10_000 });
    consumer.assign([{ topic: 't', partition: 0, offset: 0 }]);
    let handlerStarted = false;
    let finished = false;
    await consumer.run({
      eachMessage: async () => {
        handlerStarted = true;
        await new Promise((resolve) => setTimeout(resolve, 100));
        finished = true;
      },
    });
    // Disconnect while the handler runs: the fetch having reached the server is not enough.
    await eventually(() => handlerStarted);
    const started = Date.now();
    await consumer.disconnect();
    expect(finished).toBe(true);
    expect(Date.now() - started).toBeLessThan(2_000);
    // The next long poll (10 s) was cancelled rather than waited out; the consumer is stopped.
    await expect(consumer.run({ eachMessage: async () => {} })).rejects.toBeInstanceOf(QuillStateError);
  });

  it('refuses a second reader, and seek on a partition it does not have', async () => {
    cluster = await ScriptedCluster.start([1]);
    cluster.addTopic('t', [1]);
    const consumer = await connectedConsumer();
    consumer.assign([{ topic: 't', partition: 0, offset: 0 }]);
    await consumer.run({ eachMessage: async () => {} });
    expect(() => consumer.messages()).toThrow(QuillStateError);
    expect(() => consumer.seek({ topic: 't', partition: 7, offset: 0 })).toThrow(QuillStateError);
    expect(() => consumer.assign([{ topic: 't', partition: 0, offset: -1 as number }])).toThrow(RangeError);
    expect(consumer.assignment()).toEqual([{ topic: 't', partition: 0 }]);
  });

  it('skips aborted transactions and control batches when reading committed', async () => {
    cluster = await ScriptedCluster.start([1]);
    cluster.addTopic('t', [1]);
    const p = cluster.partition('t', 0);
    const stamp = (batch: Buffer): number => cluster!.appendRaw('t', 0, batch);
    const control = (type: number): { key: Buffer; value: Buffer } => {
      const key = Buffer.alloc(4);
      key.writeInt16BE(0, 0);
      key.writeInt16BE(type, 2);
      return { key, value: Buffer.alloc(6) };
    };
    stamp(encodeBatch([{ value: 'plain-0' }]));
    stamp(encodeBatch([{ value: 'aborted-1' }, { value: 'aborted-2' }], { producerId: 7, producerEpoch: 0, baseSequence: 0, isTransactional: true }));
    stamp(encodeBatch([control(0)], { producerId: 7, producerEpoch: 0, isTransactional: true, isControl: true }));
    stamp(encodeBatch([{ value: 'committed-4' }], { producerId: 8, producerEpoch: 0, baseSequence: 0, isTransactional: true }));
    stamp(encodeBatch([control(1)], { producerId: 8, producerEpoch: 0, isTransactional: true, isControl: true }));
    stamp(encodeBatch([{ value: 'plain-6' }]));
    cluster.onFetchPartition = ({ fetchOffset }) =>
      fetchOffset === 0
        ? {
            highWatermark: p.nextOffset,
            lastStableOffset: p.nextOffset,
            abortedTransactions: [{ producerId: 7, firstOffset: 1 }],
            records: Buffer.concat(p.batches),
          }
        : undefined;
    const consumer = await connectedConsumer();
    consumer.assign([{ topic: 't', partition: 0, offset: 0 }]);
    const seen: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(`${message.offset}:${message.value}`) });
    await eventually(() => seen.length === 3);
    expect(seen).toEqual(['0:plain-0', '4:committed-4', '6:plain-6']);
    await eventually(() => consumer.position('t', 0) === 7);
  });
});
