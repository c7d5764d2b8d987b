import { encodeBatch } from '@quill/records';
import { describe, expect, it } from 'vitest';
import type { Partition } from '../replication/partition.js';
import { partitionsOnDisk } from '../test-support/partitions-on-disk.js';
import { DelayedDeleteRecords, type DeleteRecordsOutcome } from './delayed-delete-records.js';

// DeleteRecords answers once the in-sync followers moved their log start offset too: a leader
// failing before they did must not leave a new leader serving what the call said was deleted.

const disk = partitionsOnDisk('delayed-delete');

async function replica(brokerId: number, changes: { count: number } = { count: 0 }): Promise<Partition> {
  const partition = await disk.open(`broker-${brokerId}`, { brokerId, now: Date.now, onChange: () => void changes.count++ });
  partition.applyAssignment({ leader: 1, leaderEpoch: 3, partitionEpoch: 1, replicas: [1, 2, 3], isr: [1, 2, 3] });
  return partition;
}

/** One follower fetch round, reporting the follower's log start offset as the replica fetcher does. */
function fetchOnce(leader: Partition, followerId: number, follower: Partition): void {
  const { log } = follower;
  const result = leader.readForFollower(followerId, log.logEndOffset, follower.lastFetchedEpoch, log.durableEndOffset, 1 << 20, log.logStartOffset);
  follower.appendAsFollower(result.records, result.highWatermark, result.logStartOffset);
}

/** Leader 1 with followers 2 and 3, `count` committed records, and a DeleteRecords waiting to delete below `offset`. */
async function deleting(count: number, offset: number) {
  const changes = { count: 0 };
  const leader = await replica(1, changes);
  const followers = [await replica(2), await replica(3)] as const;
  for (let i = 0; i < count; i++) leader.appendAsLeader(encodeBatch([{ value: `v${i}` }]), -1, 1);
  const everyone = () => followers.forEach((f, i) => fetchOnce(leader, i + 2, f));
  everyone();
  everyone();
  expect(leader.highWatermark).toBe(count);
  const before = changes.count;
  const target = leader.deleteRecordsBefore(offset);
  expect(changes.count).toBeGreaterThan(before);
  const outcomes: DeleteRecordsOutcome[] = [];
  const op = new DelayedDeleteRecords(leader, leader.leaderEpoch, target, (o) => outcomes.push(o));
  return { leader, followers, everyone, op, outcomes };
}

describe('DelayedDeleteRecords', () => {
  it('completes once every in-sync follower reported a log start offset at the target, answering the lowest one', async () => {
    const { leader, followers, everyone, op, outcomes } = await deleting(6, 4);
    expect(op.tryComplete()).toBe(false);
    expect(leader.lowWatermark).toBe(0);
    // The followers learn the new start from this answer and report it on their next fetch.
    everyone();
    expect(followers.map((f) => f.log.logStartOffset)).toEqual([4, 4]);
    expect(op.tryComplete()).toBe(false);
    fetchOnce(leader, 2, followers[0]);
    expect(op.tryComplete()).toBe(false);
    fetchOnce(leader, 3, followers[1]);
    expect(op.tryComplete()).toBe(true);
    expect(outcomes).toEqual([{ error: undefined, lowWatermark: 4 }]);
  });

  it('waits for no follower outside the ISR', async () => {
    const { leader, followers, everyone, op, outcomes } = await deleting(3, 2);
    leader.applyAssignment({ leader: 1, leaderEpoch: 3, partitionEpoch: 2, replicas: [1, 2, 3], isr: [1, 2] });
    everyone();
    fetchOnce(leader, 2, followers[0]);
    expect(op.tryComplete()).toBe(true);
    expect(outcomes).toEqual([{ error: undefined, lowWatermark: 2 }]);
  });

  it('times out with REQUEST_TIMED_OUT', async () => {
    const first = await deleting(3, 2);
    first.op.onExpire();
    expect(first.outcomes[0]!.error?.code).toBe('REQUEST_TIMED_OUT');
  });

  it('fails with NOT_LEADER_OR_FOLLOWER when leadership moves', async () => {
    const second = await deleting(3, 2);
    second.leader.applyAssignment({ leader: 2, leaderEpoch: 4, partitionEpoch: 2, replicas: [1, 2, 3], isr: [2, 3] });
    expect(second.op.tryComplete()).toBe(true);
    expect(second.outcomes[0]!.error?.code).toBe('NOT_LEADER_OR_FOLLOWER');
  });
});
