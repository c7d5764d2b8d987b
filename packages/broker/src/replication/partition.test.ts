import { decodeBatches, encodeBatch } from '@quill/records';
import { describe, expect, it } from 'vitest';
import { FailingSync } from '../test-support/failing-sync.js';
import { partitionsOnDisk } from '../test-support/partitions-on-disk.js';
import { Partition, type PartitionAssignment } from './partition.js';

// Replication between Partition objects on real logs, with fetches done by direct calls: the
// same rules a broker runs, without the network.

const disk = partitionsOnDisk('partition');

let clockMs = 1_000_000;
async function replica(brokerId: number): Promise<Partition> {
  return disk.open(`broker-${brokerId}/t-0`, { brokerId, now: () => clockMs });
}

function assign(leader: number, leaderEpoch: number, isr = [1, 2, 3]): PartitionAssignment {
  return { leader, leaderEpoch, partitionEpoch: leaderEpoch, replicas: [1, 2, 3], isr };
}

/** One follower fetch round against `leader`, handling divergence like the fetcher does. */
function fetchOnce(leader: Partition, follower: Partition, followerId: number): void {
  for (let attempt = 0; attempt < 10; attempt++) {
    const result = leader.readForFollower(followerId, follower.log.logEndOffset, follower.lastFetchedEpoch, follower.log.durableEndOffset, 1 << 20);
    if (result.divergingEpoch === undefined) {
      follower.appendAsFollower(result.records, result.highWatermark);
      return;
    }
    follower.truncateOnDivergence(result.divergingEpoch);
  }
  throw new Error('follower did not converge');
}

function values(partition: Partition, maxOffset = partition.log.logEndOffset): string[] {
  const { records } = partition.log.read(partition.log.logStartOffset, { maxBytes: 1 << 20, maxOffset });
  return decodeBatches(records).flatMap((b) => b.records.map((r) => r.value!.toString()));
}

const produce = (leader: Partition, ...vs: string[]) => leader.appendAsLeader(encodeBatch(vs.map((value) => ({ value }))), -1, 1);

describe('Partition replication', () => {
  it('advances the high watermark only when every ISR member has the data, and serves consumers below it', async () => {
    const [p1, p2, p3] = [await replica(1), await replica(2), await replica(3)];
    for (const [p] of [[p1], [p2], [p3]] as const) p!.applyAssignment(assign(1, 1));
    produce(p1, 'a', 'b');
    expect(p1.highWatermark).toBe(0);
    expect(p1.readForConsumer(0, 1 << 20).records.length).toBe(0);
    fetchOnce(p1, p2, 2);
    fetchOnce(p1, p3, 3);
    // The followers report their new log end on their next fetch.
    fetchOnce(p1, p2, 2);
    expect(p1.highWatermark).toBe(0);
    fetchOnce(p1, p3, 3);
    expect(p1.highWatermark).toBe(2);
    expect(decodeBatches(p1.readForConsumer(0, 1 << 20).records)).toHaveLength(1);
    fetchOnce(p1, p2, 2);
    expect(p2.highWatermark).toBe(2);
  });

  it('sends no records to a follower that paused the partition (max bytes 0), but its high watermark', async () => {
    const [p1, p2] = [await replica(1), await replica(2)];
    p1.applyAssignment(assign(1, 1, [1]));
    p2.applyAssignment(assign(1, 1, [1]));
    produce(p1, 'a');
    const paused = p1.readForFollower(2, 0, -1, 0, 0);
    expect(paused.records.length).toBe(0);
    expect(paused.highWatermark).toBe(1);
    expect(decodeBatches(p1.readForFollower(2, 0, -1, 0, 1).records)).toHaveLength(1);
  });

  it('refuses acks=all when the ISR is below min.insync.replicas, and produce on a follower', async () => {
    const [p1, p2] = [await replica(1), await replica(2)];
    p1.applyAssignment(assign(1, 1, [1]));
    p2.applyAssignment(assign(1, 1, [1]));
    expect(() => p1.appendAsLeader(encodeBatch([{ value: 'x' }]), -1, 2)).toThrowError(expect.objectContaining({ code: 'NOT_ENOUGH_REPLICAS' }));
    expect(p1.appendAsLeader(encodeBatch([{ value: 'x' }]), 1, 2).firstOffset).toBe(0);
    expect(() => produce(p2, 'y')).toThrowError(expect.objectContaining({ code: 'NOT_LEADER_OR_FOLLOWER' }));
  });

  it('truncates a divergent tail of an old leader so no replica keeps records the new leader lacks', async () => {
    const [p1, p2, p3] = [await replica(1), await replica(2), await replica(3)];
    for (const p of [p1, p2, p3]) p.applyAssignment(assign(1, 1));
    produce(p1, 'a', 'b');
    for (let i = 0; i < 2; i++) {
      fetchOnce(p1, p2, 2);
      fetchOnce(p1, p3, 3);
    }
    expect(p1.highWatermark).toBe(2);
    // Broker 1 appends records that never reach the others, then loses leadership.
    produce(p1, 'lost-1', 'lost-2');
    produce(p1, 'lost-3');
    for (const p of [p1, p2, p3]) p.applyAssignment(assign(2, 2, [2, 3]));
    produce(p2, 'c');
    fetchOnce(p2, p3, 3);
    fetchOnce(p2, p1, 1);
    expect(values(p1)).toEqual(['a', 'b', 'c']);
    expect(values(p3)).toEqual(['a', 'b', 'c']);
    expect(p1.lastFetchedEpoch).toBe(2);
  });

  it('truncates when the leader never knew the follower\'s epoch', async () => {
    const [p1, p2, p3] = [await replica(1), await replica(2), await replica(3)];
    for (const p of [p1, p2, p3]) p.applyAssignment(assign(1, 1));
    produce(p1, 'a');
    for (let i = 0; i < 2; i++) {
      fetchOnce(p1, p2, 2);
      fetchOnce(p1, p3, 3);
    }
    // Epoch 2: broker 3 leads briefly and appends alone; nobody else sees epoch 2.
    for (const p of [p1, p2, p3]) p.applyAssignment(assign(3, 2, [1, 2, 3]));
    produce(p3, 'epoch-2-only');
    // Epoch 3: broker 2 leads; its history jumps from epoch 1 to 3.
    for (const p of [p1, p2, p3]) p.applyAssignment(assign(2, 3, [1, 2]));
    produce(p2, 'b');
    fetchOnce(p2, p3, 3);
    fetchOnce(p2, p1, 1);
    expect(values(p3)).toEqual(['a', 'b']);
    expect(values(p1)).toEqual(['a', 'b']);
  });

  it('proposes to drop a follower that stopped fetching, and to add it back once caught up', async () => {
    const [p1, p2, p3] = [await replica(1), await replica(2), await replica(3)];
    for (const p of [p1, p2, p3]) p.applyAssignment(assign(1, 1));
    produce(p1, 'a');
    fetchOnce(p1, p2, 2);
    fetchOnce(p1, p3, 3);
    clockMs += 5_000;
    fetchOnce(p1, p2, 2);
    produce(p1, 'b');
    clockMs += 6_000;
    fetchOnce(p1, p2, 2);
    expect(p1.isrChangeToPropose()).toMatchObject({ isr: [1, 2], removed: [3] });
    p1.applyAssignment({ ...assign(1, 1, [1, 2]), partitionEpoch: 2 });
    expect(p1.isrChangeToPropose()).toBeUndefined();
    fetchOnce(p1, p3, 3);
    fetchOnce(p1, p3, 3);
    expect(p1.isrChangeToPropose()).toMatchObject({ isr: [1, 2, 3], added: [3] });
  });

  it('never lets the high watermark pass what a replica proposed for the ISR has fsynced, even when the proposal commits', async () => {
    const [p1, p3] = [await replica(1), await replica(3)];
    // Broker 3 lags outside the ISR; it catches up in the log, but on disk only partly (flush=os
    // reports it all durable, so the durable offset it reports is set by hand).
    p1.applyAssignment({ ...assign(1, 1, [1]), partitionEpoch: 5 });
    p3.applyAssignment({ ...assign(1, 1, [1]), partitionEpoch: 5 });
    produce(p1, 'a', 'b', 'c');
    expect(p1.highWatermark).toBe(3);
    fetchOnce(p1, p3, 3);
    fetchOnce(p1, p3, 3);
    expect(p1.isrChangeToPropose()).toMatchObject({ isr: [1, 3], added: [3] });
    // From here on broker 3 counts: it has 'd' and 'e' in its log but fsynced only up to 3.
    produce(p1, 'd', 'e');
    fetchOnce(p1, p3, 3);
    p1.readForFollower(3, p3.log.logEndOffset, p3.lastFetchedEpoch, 3, 1 << 20);
    expect(p1.highWatermark).toBe(3);
    // Metadata at the same partition epoch comes again (every reconcile re-applies it): the
    // pending addition still counts.
    p1.applyAssignment({ ...assign(1, 1, [1]), partitionEpoch: 5 });
    expect(p1.highWatermark).toBe(3);
    // The controller commits the addition: broker 3 may now be elected, and holds offsets < 3 durably.
    p1.applyAssignment({ ...assign(1, 1, [1, 3]), partitionEpoch: 6 });
    expect(p1.highWatermark).toBe(3);
    p1.readForFollower(3, p3.log.logEndOffset, p3.lastFetchedEpoch, 5, 1 << 20);
    expect(p1.highWatermark).toBe(5);
  });

  it('ignores metadata and AlterPartition answers older than the partition epoch it applied', async () => {
    const [p1, p2] = [await replica(1), await replica(2)];
    p1.applyAssignment({ ...assign(1, 1, [1, 2]), partitionEpoch: 7 });
    produce(p1, 'a');
    // A stale answer (epoch 6, ISR {1}) arriving after epoch 7 must not drop broker 2 from the ISR.
    expect(p1.applyAssignment({ ...assign(1, 1, [1]), partitionEpoch: 6 })).toBe(false);
    expect(p1.isr).toEqual([1, 2]);
    expect(p1.highWatermark).toBe(0);
    // Nor may stale metadata with an older leader epoch take leadership away.
    expect(p1.applyAssignment({ ...assign(2, 0, [1, 2]), partitionEpoch: 3 })).toBe(false);
    expect(p1.isLeader).toBe(true);
    expect(p1.leaderEpoch).toBe(1);
    fetchOnce(p1, p2, 2);
    fetchOnce(p1, p2, 2);
    expect(p1.highWatermark).toBe(1);
  });

  it('takes the replica offline when its log fails: it serves and accepts nothing, and as leader proposes to resign', async () => {
    const sync = new FailingSync();
    let offline = 0;
    const p1 = await disk.open('failing/t-0', { brokerId: 1, now: () => clockMs, onOffline: () => offline++ }, { flushPolicy: 'every-batch', sync });
    const log = p1.log;
    p1.applyAssignment({ ...assign(1, 1, [1, 2, 3]), partitionEpoch: 4 });
    produce(p1, 'a');
    await log.waitForDurable(1);
    sync.failing = true;
    produce(p1, 'b');
    await expect(log.waitForDurable(2)).rejects.toMatchObject({ code: 'KAFKA_STORAGE_ERROR' });
    expect(offline).toBe(1);
    expect(p1.isOffline).toBe(true);
    expect(p1.isLeader).toBe(false);
    const storageError = expect.objectContaining({ code: 'KAFKA_STORAGE_ERROR' });
    expect(() => produce(p1, 'c')).toThrowError(storageError);
    expect(() => p1.readForConsumer(0, 1 << 20)).toThrowError(storageError);
    expect(() => p1.readForFollower(2, 0, -1, 0, 1 << 20)).toThrowError(storageError);
    expect(p1.isrChangeToPropose()).toEqual({ isr: [2, 3], removed: [1], added: [] });
    // Another leader committed: nothing to propose, nothing to follow with.
    p1.applyAssignment({ ...assign(2, 2, [2, 3]), partitionEpoch: 5 });
    expect(p1.isrChangeToPropose()).toBeUndefined();
    expect(() => p1.appendAsFollower(Buffer.alloc(0), 1)).toThrowError(storageError);
    // Elected again while offline (say it was still in the ISR): it does not lead, it resigns.
    expect(p1.applyAssignment({ ...assign(1, 3, [1, 2]), partitionEpoch: 6 })).toBe(true);
    expect(p1.isLeader).toBe(false);
    expect(p1.isrChangeToPropose()).toEqual({ isr: [2], removed: [1], added: [] });
    sync.failing = false;
  });

  it('keeps idempotent producers exactly-once across a retry, a leader change and a restart', async () => {
    const [p1, p2, p3] = [await replica(1), await replica(2), await replica(3)];
    for (const p of [p1, p2, p3]) p.applyAssignment(assign(1, 1));
    const idempotent = (sequence: number, value: string) => encodeBatch([{ value }], { producerId: 42, producerEpoch: 0, baseSequence: sequence });
    expect(p1.appendAsLeader(idempotent(0, 'a'), -1, 1).firstOffset).toBe(0);
    expect(p1.appendAsLeader(idempotent(1, 'b'), -1, 1).firstOffset).toBe(1);
    // A retry (the response was lost) gets the original offset and is not appended again.
    expect(p1.appendAsLeader(idempotent(1, 'b'), -1, 1).firstOffset).toBe(1);
    expect(() => p1.appendAsLeader(idempotent(5, 'gap'), -1, 1)).toThrowError(expect.objectContaining({ code: 'OUT_OF_ORDER_SEQUENCE_NUMBER' }));
    for (let i = 0; i < 2; i++) {
      fetchOnce(p1, p2, 2);
      fetchOnce(p1, p3, 3);
    }
    // The new leader learned the sequences from replication: the same retry is still a duplicate.
    for (const p of [p1, p2, p3]) p.applyAssignment(assign(2, 2));
    expect(p2.appendAsLeader(idempotent(1, 'b'), -1, 1).firstOffset).toBe(1);
    expect(p2.appendAsLeader(idempotent(2, 'c'), -1, 1).firstOffset).toBe(2);
    expect(values(p2)).toEqual(['a', 'b', 'c']);

    // After a restart the table is rebuilt from the log.
    await disk.close(p2);
    const reopened = await disk.open('broker-2/t-0', { brokerId: 2, now: () => clockMs });
    reopened.applyAssignment(assign(2, 3));
    expect(reopened.appendAsLeader(idempotent(2, 'c'), -1, 1).firstOffset).toBe(2);
    expect(reopened.appendAsLeader(idempotent(3, 'd'), -1, 1).firstOffset).toBe(3);
  });
});
