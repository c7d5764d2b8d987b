import { encodeBatch, setBaseOffset, setPartitionLeaderEpoch } from '@quill/records';
import { describe, expect, it } from 'vitest';
import { partitionsOnDisk } from '../test-support/partitions-on-disk.js';
import type { Partition } from './partition.js';

// DeleteRecords between Partition objects on real logs, the follower fetching by direct calls.

const disk = partitionsOnDisk('delete-records');

async function replica(brokerId: number, isr: number[] = [1, 2]): Promise<Partition> {
  const partition = await disk.open(`broker-${brokerId}/t-0`, { brokerId, now: () => 1_000_000 });
  partition.applyAssignment({ leader: 1, leaderEpoch: 1, partitionEpoch: 1, replicas: [1, 2], isr });
  return partition;
}

/** One follower fetch round, passing the leader's log start offset on as the fetcher does. */
function fetchOnce(leader: Partition, follower: Partition): void {
  const result = leader.readForFollower(2, follower.log.logEndOffset, follower.lastFetchedEpoch, follower.log.durableEndOffset, 1 << 20);
  follower.appendAsFollower(result.records, result.highWatermark, result.logStartOffset);
}

/** Leader 1 and follower 2 with `count` single-record batches, all committed. */
async function replicated(count: number): Promise<[Partition, Partition]> {
  const [leader, follower] = [await replica(1), await replica(2)];
  for (let i = 0; i < count; i++) leader.appendAsLeader(encodeBatch([{ value: `v${i}` }]), -1, 1);
  fetchOnce(leader, follower);
  fetchOnce(leader, follower);
  fetchOnce(leader, follower);
  expect([leader.highWatermark, follower.highWatermark]).toEqual([count, count]);
  return [leader, follower];
}

const errorCode = (code: string) => expect.objectContaining({ code });

describe('DeleteRecords on a partition', () => {
  it('moves the leader\'s log start offset, and the follower follows it on its next fetch', async () => {
    const [leader, follower] = await replicated(6);
    expect(leader.deleteRecordsBefore(4)).toBe(4);
    expect(leader.log.logStartOffset).toBe(4);
    expect(follower.log.logStartOffset).toBe(0);
    fetchOnce(leader, follower);
    expect(follower.log.logStartOffset).toBe(4);
  });

  it('takes -1 as the high watermark, never goes past it, and is refused on a follower', async () => {
    const [leader, follower] = await replicated(3);
    leader.appendAsLeader(encodeBatch([{ value: 'uncommitted' }]), -1, 1);
    expect(() => leader.deleteRecordsBefore(4)).toThrowError(errorCode('OFFSET_OUT_OF_RANGE'));
    expect(leader.deleteRecordsBefore(-1)).toBe(3);
    expect(() => follower.deleteRecordsBefore(1)).toThrowError(errorCode('NOT_LEADER_OR_FOLLOWER'));
  });
});

describe('a follower behind a log start offset inside a batch', () => {
  /** One fetch round as the replica fetcher handles it: out of range behind the leader's start restarts the follower there. */
  function fetchAsFetcher(leader: Partition, follower: Partition): void {
    try {
      fetchOnce(leader, follower);
    } catch (error) {
      if ((error as { code?: string }).code !== 'OFFSET_OUT_OF_RANGE') throw error;
      follower.truncateFullyAndStartAt(leader.log.logStartOffset);
    }
  }

  it('takes the whole batch, then moves its log start offset back to the leader\'s', async () => {
    // The leader alone in the ISR commits a 10-record batch [0..9] and a 2-record one [10..11].
    const leader = await replica(1, [1]);
    leader.appendAsLeader(encodeBatch(Array.from({ length: 10 }, (_, i) => ({ value: `a${i}` }))), -1, 1);
    leader.appendAsLeader(encodeBatch([{ value: 'b0' }, { value: 'b1' }]), -1, 1);
    expect(leader.highWatermark).toBe(12);
    expect(leader.deleteRecordsBefore(5)).toBe(5);

    const follower = await replica(2);
    fetchAsFetcher(leader, follower);
    expect([follower.log.logStartOffset, follower.log.logEndOffset]).toEqual([5, 5]);
    fetchAsFetcher(leader, follower);
    fetchAsFetcher(leader, follower);
    expect([follower.log.logStartOffset, follower.log.logEndOffset, follower.highWatermark]).toEqual([5, 12, 12]);
    expect(follower.lastFetchedEpoch).toBe(1);
    expect(follower.endOffsetForEpoch(1).endOffset).toBe(12);
    expect(() => follower.log.read(4)).toThrowError(errorCode('OFFSET_OUT_OF_RANGE'));
    expect(follower.log.read(5).records.length).toBeGreaterThan(0);
  });

  it('leaves its epoch history untouched when the leader\'s batch does not fit its log', async () => {
    const follower = await replica(2);
    const stray = encodeBatch([{ value: 'x' }]);
    setBaseOffset(stray, 7);
    setPartitionLeaderEpoch(stray, 3);
    expect(() => follower.appendAsFollower(stray, 8)).toThrowError(errorCode('INVALID_RECORD'));
    expect(follower.lastFetchedEpoch).toBe(-1);
  });
});

