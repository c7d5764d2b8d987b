import type { FetchRequest__Output } from '@quill/proto';
import { describe, expect, it } from 'vitest';
import type { BrokerServiceContext } from './context.js';
import { consumerFetch } from './fetch.js';

/** A leader replica whose log holds `readable` bytes between any fetch offset and its high watermark. */
interface FakePartition {
  key: string;
  isLeader: boolean;
  leaderEpoch: number;
  highWatermark: number;
  readable: number;
}

const partition = (index: number, over: Partial<FakePartition> = {}): FakePartition => ({ key: `t-${index}`, isLeader: true, leaderEpoch: 5, highWatermark: 10, readable: 0, ...over });

/**
 * A context over `partitions` of topic `t`; its long poll records whether the fetch was ready when
 * it began waiting, and whether it became ready after `grow` added bytes (as an append would).
 */
function fetchContext(partitions: FakePartition[], grow: () => void = () => undefined) {
  const readiness: boolean[] = [];
  const replicas = {
    partition: (_topic: string, index: number) => {
      const p = partitions[index];
      if (p === undefined) return undefined;
      return {
        key: p.key,
        isLeader: p.isLeader,
        highWatermark: p.highWatermark,
        checkLeaderEpoch: (epoch: number) => (epoch >= 0 && epoch !== p.leaderEpoch ? new Error('fenced') : undefined),
        log: {
          logStartOffset: 0,
          logEndOffset: p.highWatermark,
          bytesBetween: (from: number, to: number) => (to > from ? p.readable : 0),
        },
        readForConsumer: () => ({ records: Buffer.alloc(p.readable), highWatermark: p.highWatermark, logStartOffset: 0, logEndOffset: p.highWatermark }),
      };
    },
    waitForData: async (_keys: string[], ready: () => boolean) => {
      readiness.push(ready());
      grow();
      readiness.push(ready());
    },
    highWatermarkAdvancedAt: () => undefined,
    latency: { observe: () => undefined },
    traffic: { fetched: () => undefined },
    state: undefined,
  };
  const ctx = { config: { nodeId: 1 }, replicas } as unknown as BrokerServiceContext;
  return { ctx, readiness };
}

const request = (minBytes: number, offsets: number[], currentLeaderEpoch = -1): FetchRequest__Output =>
  ({
    maxWaitMs: 500,
    minBytes,
    maxBytes: 1 << 20,
    isolationLevel: 'ISOLATION_LEVEL_READ_UNCOMMITTED',
    topics: [{ topic: 't', topicId: '', partitions: offsets.map((fetchOffset, index) => ({ partition: index, currentLeaderEpoch, fetchOffset, logStartOffset: -1, partitionMaxBytes: 1 << 20 })) }],
  }) as FetchRequest__Output;

describe('consumer fetch long poll', () => {
  it('with min bytes 1 (or 0) is ready as soon as any partition has data below its high watermark', async () => {
    for (const minBytes of [0, 1]) {
      const { ctx, readiness } = fetchContext([partition(0, { readable: 3 }), partition(1)]);
      await consumerFetch(ctx, request(minBytes, [9, 10]));
      expect(readiness).toEqual([true, true]);
    }
    const { ctx, readiness } = fetchContext([partition(0), partition(1)]);
    await consumerFetch(ctx, request(1, [10, 10]));
    expect(readiness).toEqual([false, false]);
  });

  it('counts a partition\'s readable bytes again only when its high watermark moved', async () => {
    const partitions = [partition(0, { readable: 300 })];
    let counts = 0;
    const { ctx } = fetchContext(partitions, () => {
      partitions[0]!.readable = 5000;
    });
    const base = ctx.replicas.partition.bind(ctx.replicas);
    (ctx.replicas as unknown as { partition: typeof base }).partition = (topic, index) => {
      const p = base(topic, index)!;
      return { ...p, log: { ...p.log, bytesBetween: (from: number, to: number) => (counts++, p.log.bytesBetween(from, to)) } } as typeof p;
    };
    await consumerFetch(ctx, request(1000, [3]));
    // Appends below an unmoved high watermark: the first count stands.
    expect(counts).toBe(1);
  });

  it('waits until the partitions together hold min bytes below their high watermarks', async () => {
    const partitions = [partition(0, { readable: 300 }), partition(1, { readable: 200 })];
    // Bytes become readable as the high watermark passes them.
    const { ctx, readiness } = fetchContext(partitions, () => {
      partitions[1]!.readable = 700;
      partitions[1]!.highWatermark = 12;
    });
    const answer = await consumerFetch(ctx, request(1000, [3, 4]));
    expect(readiness).toEqual([false, true]);
    expect(answer.topics[0]!.partitions.map((p) => p.records?.length)).toEqual([300, 700]);
  });

  it('does not count bytes at or above the high watermark', async () => {
    const { ctx, readiness } = fetchContext([partition(0, { readable: 5000, highWatermark: 10 })]);
    await consumerFetch(ctx, request(1000, [10]));
    expect(readiness).toEqual([false, false]);
  });

  it('answers at once whatever min bytes when a partition needs an error answered', async () => {
    const cases: Array<[FakePartition[], number[], number]> = [
      [[partition(0, { isLeader: false })], [0], -1],
      [[partition(0, { leaderEpoch: 6 })], [0], 5],
      [[partition(0)], [11], -1],
      [[], [0], -1],
    ];
    for (const [partitions, offsets, epoch] of cases) {
      const { ctx, readiness } = fetchContext(partitions);
      await consumerFetch(ctx, request(1_000_000, offsets, epoch));
      expect(readiness[0]).toBe(true);
    }
  });
});
