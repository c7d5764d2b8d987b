import { partitionForKey } from '@quill/client';
import { describe, expect, it } from 'vitest';
import { groupIdsCoveringPartitions, settledGeneration, type MemberJoin } from './rebalance-coverage.js';

const joins = (entries: Array<[number, number, number[]]>) => new Map<number, MemberJoin>(entries.map(([member, generationId, partitions]) => [member, { generationId, partitions }]));

describe('settledGeneration', () => {
  it('is the common generation when the members cover every partition exactly once', () => {
    const latest = joins([
      [0, 3, [0, 2]],
      [1, 3, [1, 3]],
    ]);
    expect(settledGeneration(latest, [0, 1], 4, 0)).toBe(3);
    expect(settledGeneration(latest, [0, 1], 4, 2)).toBe(3);
  });

  it('is undefined until the generation is newer than the one left behind', () => {
    const latest = joins([
      [0, 3, [0, 1]],
      [1, 3, [2, 3]],
    ]);
    expect(settledGeneration(latest, [0, 1], 4, 3)).toBeUndefined();
  });

  it('is undefined while a member has not joined or is a generation behind', () => {
    expect(settledGeneration(joins([[0, 1, [0, 1, 2, 3]]]), [0, 1], 4, 0)).toBeUndefined();
    const behind = joins([
      [0, 2, [0, 1]],
      [1, 1, [2, 3]],
    ]);
    expect(settledGeneration(behind, [0, 1], 4, 0)).toBeUndefined();
    expect(settledGeneration(new Map(), [], 4, 0)).toBeUndefined();
  });

  it('is undefined when a partition is missing, assigned twice, or out of range', () => {
    const missing = joins([
      [0, 1, [0]],
      [1, 1, [1, 2]],
    ]);
    expect(settledGeneration(missing, [0, 1], 4, 0)).toBeUndefined();
    const twice = joins([
      [0, 1, [0, 1]],
      [1, 1, [1, 2, 3]],
    ]);
    expect(settledGeneration(twice, [0, 1], 4, 0)).toBeUndefined();
    const outOfRange = joins([
      [0, 1, [0, 1]],
      [1, 1, [2, 3, 4]],
    ]);
    expect(settledGeneration(outOfRange, [0, 1], 4, 0)).toBeUndefined();
  });

  it('ignores members outside the ones asked about (the one that left)', () => {
    const latest = joins([
      [0, 2, [0, 1]],
      [1, 2, [2, 3]],
      [2, 1, [3]],
    ]);
    expect(settledGeneration(latest, [0, 1], 4, 1)).toBe(2);
  });
});

describe('groupIdsCoveringPartitions', () => {
  it('finds one group id per partition, the first of the prefix landing there', () => {
    const partitionOf = (groupId: string) => Number(groupId.split('-').at(-1)) % 5;
    expect(groupIdsCoveringPartitions('probe', 5, partitionOf)).toEqual(['probe-0', 'probe-1', 'probe-2', 'probe-3', 'probe-4']);
  });

  it('with the brokers\' murmur2 placement, covers all 50 partitions of __consumer_offsets', () => {
    const ids = groupIdsCoveringPartitions('bench-rebalance-x-probe', 50, (groupId) => partitionForKey(groupId, 50));
    expect(ids.map((id) => partitionForKey(id, 50))).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('gives up, rather than looping, when a partition cannot be reached', () => {
    expect(() => groupIdsCoveringPartitions('probe', 3, () => 0)).toThrow(/every one of 3 partitions/);
  });
});
