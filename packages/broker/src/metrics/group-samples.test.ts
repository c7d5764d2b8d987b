import { describe, expect, it } from 'vitest';
import { Group } from '../group-coordinator/group.js';
import { groupSamples } from './group-samples.js';

const committed = (group: Group, topic: string, partition: number, offset: number): void => {
  group.offsets.set(`${topic}\u0000${partition}`, { topic, partition, value: { committedOffset: offset, committedLeaderEpoch: 0, committedMetadata: undefined, commitTimestampMs: 0 } });
};

describe('groupSamples', () => {
  it('lag is the high watermark less the committed offset; partitions without a known high watermark are left out', () => {
    const group = new Group('billing', 0);
    committed(group, 'orders', 0, 40);
    committed(group, 'orders', 1, 70);
    committed(group, 'elsewhere', 0, 5);
    const hw = new Map([['orders-0', 100], ['orders-1', 60]]);
    const samples = groupSamples([group], (topic, partition) => hw.get(`${topic}-${partition}`));
    expect(samples.groups).toEqual([{ group: 'billing', state: 'Empty', members: 0 }]);
    expect(samples.lags).toEqual([
      { group: 'billing', topic: 'orders', partition: 0, lag: 60 },
      { group: 'billing', topic: 'orders', partition: 1, lag: 0 },
    ]);
  });
});
