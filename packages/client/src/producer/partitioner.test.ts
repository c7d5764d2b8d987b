import { murmur2, partitionForKey, toPositive } from '@quill/records';
import { describe, expect, it } from 'vitest';
import { partitionMetadata } from '../test-support/partition-metadata.js';
import { createDefaultPartitioner } from './partitioner.js';

const partitions = partitionMetadata;

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
