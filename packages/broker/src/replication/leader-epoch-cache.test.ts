import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeBatches, encodeBatch } from '@quill/records';
import { PartitionLog } from '@quill/storage';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { LeaderEpochCache, readEpochCheckpoint, writeEpochCheckpoint } from './leader-epoch-cache.js';
import { LEADER_EPOCH_CHECKPOINT_FILE, Partition, type PartitionAssignment } from './partition.js';

describe('LeaderEpochCache', () => {
  const cache = (): LeaderEpochCache =>
    new LeaderEpochCache([
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 10 },
      { epoch: 5, startOffset: 25 },
    ]);

  it('answers where an epoch ends, as Kafka does', () => {
    expect(cache().endOffsetFor(5, 40)).toEqual({ epoch: 5, endOffset: 40 });
    expect(cache().endOffsetFor(3, 40)).toEqual({ epoch: 3, endOffset: 25 });
    // An epoch this log never saw ends where the next known one starts, reported as the one before it.
    expect(cache().endOffsetFor(4, 40)).toEqual({ epoch: 3, endOffset: 25 });
    expect(cache().endOffsetFor(0, 40)).toEqual({ epoch: 0, endOffset: 0 });
    expect(cache().endOffsetFor(9, 40)).toEqual({ epoch: -1, endOffset: -1 });
    expect(cache().endOffsetFor(-1, 40)).toEqual({ epoch: -1, endOffset: -1 });
  });

  it('assigns newer epochs only, dropping entries the new start supersedes', () => {
    const c = cache();
    expect(c.assign(5, 30)).toBe(false);
    expect(c.assign(2, 30)).toBe(false);
    expect(c.assign(6, 20)).toBe(true);
    expect(c.all).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 10 },
      { epoch: 6, startOffset: 20 },
    ]);
  });

  it('truncates from the end and from the start', () => {
    const c = cache();
    c.truncateFromEnd(25);
    expect(c.latestEpoch).toBe(3);
    c.truncateFromStart(12);
    expect(c.all).toEqual([{ epoch: 3, startOffset: 12 }]);
  });

  it('round-trips through its checkpoint file, and ignores a torn one', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-epochs-'));
    try {
      const file = path.join(dir, 'leader-epoch-checkpoint');
      expect(readEpochCheckpoint(file)).toEqual([]);
      writeEpochCheckpoint(file, cache().all);
      expect(readEpochCheckpoint(file)).toEqual(cache().all);
      fs.writeFileSync(file, '0\n3\n1 0\n');
      expect(readEpochCheckpoint(file)).toEqual([]);
      // Well framed but out of order (a flipped digit): as useless as a torn one.
      fs.writeFileSync(file, '0\n2\n3 10\n1 20\n');
      expect(readEpochCheckpoint(file)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The cache on load: a lost or damaged checkpoint must not leave it empty (an empty cache makes a
// follower fetch with no last epoch, so the leader never tells it its tail diverged).

const dirs: string[] = [];
const partitions: Partition[] = [];
afterEach(async () => {
  await Promise.all(partitions.splice(0).map((p) => p.close()));
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function openReplica(dir: string, brokerId: number): Promise<Partition> {
  const log = await PartitionLog.open(dir, { logger: pino({ level: 'silent' }), config: { flushPolicy: 'os' } });
  const partition = new Partition('t-0', log, { brokerId, replicaLagTimeMaxMs: 10_000, now: () => 1_000_000, onChange: () => undefined });
  partitions.push(partition);
  return partition;
}

async function reopen(partition: Partition, brokerId: number): Promise<Partition> {
  partitions.splice(partitions.indexOf(partition), 1);
  await partition.close();
  return openReplica(partition.log.dir, brokerId);
}

function replicaDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-epochs-'));
  dirs.push(dir);
  return path.join(dir, 't-0');
}

const assignment = (leader: number, leaderEpoch: number): PartitionAssignment => ({
  leader,
  leaderEpoch,
  partitionEpoch: leaderEpoch,
  replicas: [1, 2],
  isr: [1, 2],
});

/** What OffsetForLeaderEpoch answers for every epoch up to `maxEpoch`, and the latest epoch. */
function epochAnswers(partition: Partition, maxEpoch: number): unknown {
  return { latest: partition.lastFetchedEpoch, ends: Array.from({ length: maxEpoch + 2 }, (_, e) => partition.endOffsetForEpoch(e - 1)) };
}

const damages: Array<[string, (file: string) => void]> = [
  ['missing', (file) => fs.rmSync(file)],
  ['torn', (file) => fs.writeFileSync(file, '0\n3\n1 0\n')],
  ['garbage', (file) => fs.writeFileSync(file, 'not a checkpoint')],
  ['empty', (file) => fs.writeFileSync(file, '')],
];

describe('leader epochs on load', () => {
  for (const [damage, apply] of damages) {
    it(`rebuilds the epoch cache from the batches when the checkpoint is ${damage}`, async () => {
      let follower = await openReplica(replicaDir(), 2);
      follower.applyAssignment(assignment(1, 4));
      const batch = (baseOffset: number, epoch: number, values: string[]): Buffer =>
        encodeBatch(values.map((value) => ({ value })), { baseOffset, partitionLeaderEpoch: epoch });
      follower.appendAsFollower(Buffer.concat([batch(0, 1, ['a', 'b']), batch(2, 1, ['c'])]), 0);
      follower.appendAsFollower(batch(3, 3, ['d', 'e', 'f']), 0);
      follower.appendAsFollower(batch(6, 4, ['g', 'h']), 0);
      const expected = epochAnswers(follower, 5);
      expect(expected).toMatchObject({ latest: 4 });

      follower = await reopen(follower, 2);
      expect(epochAnswers(follower, 5)).toEqual(expected);
      const dir = follower.log.dir;
      partitions.splice(partitions.indexOf(follower), 1);
      await follower.close();
      apply(path.join(dir, LEADER_EPOCH_CHECKPOINT_FILE));
      follower = await openReplica(dir, 2);
      expect(epochAnswers(follower, 5)).toEqual(expected);
    });
  }

  it('a follower that lost its checkpoint still truncates its divergent tail', async () => {
    const leader = await openReplica(replicaDir(), 1);
    let follower = await openReplica(replicaDir(), 2);
    const produce = (p: Partition, ...values: string[]) => p.appendAsLeader(encodeBatch(values.map((value) => ({ value }))), 1, 1);
    leader.applyAssignment(assignment(1, 1));
    follower.applyAssignment(assignment(1, 1));
    produce(leader, 'a', 'b');
    fetchOnce(leader, follower, 2);
    // Broker 2 leads epoch 2 briefly and appends what nobody else gets.
    follower.applyAssignment(assignment(2, 2));
    produce(follower, 'x', 'y');
    leader.applyAssignment(assignment(1, 3));
    produce(leader, 'c', 'd', 'e');
    // Broker 2 restarts without its leader-epoch checkpoint.
    const dir = follower.log.dir;
    partitions.splice(partitions.indexOf(follower), 1);
    await follower.close();
    fs.rmSync(path.join(dir, LEADER_EPOCH_CHECKPOINT_FILE));
    follower = await openReplica(dir, 2);
    follower.applyAssignment(assignment(1, 3));
    fetchOnce(leader, follower, 2);
    expect(values(follower)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});

/** One follower fetch round, handling a divergence answer as the replica fetcher does. */
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

function values(partition: Partition): string[] {
  const { records } = partition.log.read(partition.log.logStartOffset, { maxBytes: 1 << 20 });
  return decodeBatches(records).flatMap((b) => b.records.map((r) => r.value!.toString()));
}

