import { SeededRandom } from '@quill/random';
import { describe, expect, it } from 'vitest';
import { partitionMetadata } from '../test-support/partition-metadata.js';
import { StickyPartitions } from './sticky-partitioner.js';

const partitions = partitionMetadata;

describe('StickyPartitions', () => {
  it('sticks to one partition per topic until told its batch closed, then moves to another one with a leader', () => {
    const sticky = new StickyPartitions(new SeededRandom(7));
    const metadata = partitions(4, [2]);
    const first = sticky.partition('t', metadata);
    expect(first).not.toBe(2);
    expect(Array.from({ length: 10 }, () => sticky.partition('t', metadata))).toEqual(Array(10).fill(first));
    const seen = new Set<number>();
    let current = first;
    for (let i = 0; i < 200; i++) {
      const next = sticky.next('t', metadata, current);
      expect(next).not.toBe(current);
      expect(next).not.toBe(2);
      expect(sticky.partition('t', metadata)).toBe(next);
      seen.add(next);
      current = next;
    }
    expect([...seen].sort()).toEqual([0, 1, 3]);
  });

  it('stays on the only partition, and uses leaderless ones when none has a leader', () => {
    const sticky = new StickyPartitions(new SeededRandom(1));
    expect(sticky.next('one', partitions(1), 0)).toBe(0);
    expect([0, 1]).toContain(sticky.next('dark', partitions(2, [0, 1]), 0));
    expect(() => sticky.partition('none', [])).toThrow(RangeError);
  });
});
