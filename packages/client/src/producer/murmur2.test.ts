import { describe, expect, it } from 'vitest';
import type { PartitionMetadata } from '../cluster/index.js';
import { murmur2, partitionForKey, toPositive } from './murmur2.js';
import { createDefaultPartitioner } from './partitioner.js';

describe('murmur2', () => {
  // Kafka's UtilsTest.testMurmur2.
  const vectors: Array<[string, number]> = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ];

  it.each(vectors)('hashes %j like Kafka', (input, expected) => {
    expect(murmur2(Buffer.from(input, 'utf8'))).toBe(expected);
  });

  it('returns a signed 32-bit integer for every tail length, the empty input included', () => {
    for (let n = 0; n < 9; n++) {
      const h = murmur2(Buffer.alloc(n, 0xff));
      expect(h).toBe(h | 0);
    }
  });

  it('toPositive clears the sign bit (Math.abs would fail on -2^31)', () => {
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(-790332482)).toBe(-790332482 & 0x7fffffff);
    expect(toPositive(12)).toBe(12);
  });

  it('partitionForKey is toPositive(murmur2(key)) % n, for strings and bytes alike', () => {
    expect(partitionForKey('foobar', 10)).toBe((-790332482 & 0x7fffffff) % 10);
    expect(partitionForKey(Buffer.from('foobar'), 10)).toBe(partitionForKey('foobar', 10));
    expect(partitionForKey('abc', 7)).toBe(479470107 % 7);
    expect(() => partitionForKey('abc', 0)).toThrow(RangeError);
  });
});

function partitions(count: number, leaderless: number[] = []): PartitionMetadata[] {
  return Array.from({ length: count }, (_, i) => ({
    partitionId: i,
    leader: leaderless.includes(i) ? -1 : 1,
    leaderEpoch: 0,
    replicas: [1],
    isr: [1],
    offlineReplicas: [],
    partitionErrorCode: 'NONE' as const,
  }));
}

describe('default partitioner', () => {
  it('puts a key where Kafka would, on every partition count', () => {
    const partitioner = createDefaultPartitioner();
    for (const count of [1, 3, 12]) {
      const partitionMetadata = partitions(count);
      for (const key of ['21', 'foobar', 'abc', 'order-42']) {
        const expected = toPositive(murmur2(Buffer.from(key))) % count;
        expect(partitioner({ topic: 't', partitionMetadata, message: { key, value: 'v' } })).toBe(expected);
      }
    }
  });

  it('hashes over all partitions even when the key’s partition has no leader', () => {
    const partitioner = createDefaultPartitioner();
    const target = partitionForKey('foobar', 4);
    expect(partitioner({ topic: 't', partitionMetadata: partitions(4, [target]), message: { key: 'foobar', value: null } })).toBe(
      target,
    );
  });

  it('spreads null keys round-robin over partitions that have a leader', () => {
    const partitioner = createDefaultPartitioner();
    const partitionMetadata = partitions(4, [1]);
    const chosen = Array.from({ length: 6 }, () => partitioner({ topic: 't', partitionMetadata, message: { value: 'v' } }));
    expect(chosen).toEqual([0, 2, 3, 0, 2, 3]);
    // Counters are per topic.
    expect(partitioner({ topic: 'other', partitionMetadata, message: { key: null, value: 'v' } })).toBe(0);
  });
});
