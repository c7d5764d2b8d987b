import { encodeBatch } from '@quill/records';
import { describe, expect, it } from 'vitest';
import type { Partition } from '../replication/partition.js';
import { FailingSync } from '../test-support/failing-sync.js';
import { partitionsOnDisk } from '../test-support/partitions-on-disk.js';
import { DelayedProduce, type ProduceOutcome } from './delayed-produce.js';

const disk = partitionsOnDisk('delayed');
let leaders = 0;

async function leader(isr: number[]): Promise<Partition> {
  const partition = await disk.open(`p-${leaders++}`, { brokerId: 1, now: Date.now });
  partition.applyAssignment({ leader: 1, leaderEpoch: 3, partitionEpoch: 1, replicas: [1, 2, 3], isr });
  return partition;
}

function waiting(partition: Partition, minIsr: number): { op: DelayedProduce; outcomes: ProduceOutcome[] } {
  const info = partition.appendAsLeader(encodeBatch([{ value: 'v' }]), -1, 1);
  const outcomes: ProduceOutcome[] = [];
  return { op: new DelayedProduce(partition, 3, info.firstOffset, info.lastOffset + 1, minIsr, (o) => outcomes.push(o)), outcomes };
}

describe('DelayedProduce', () => {
  it('completes once the high watermark passes the batch', async () => {
    const partition = await leader([1, 2]);
    const { op, outcomes } = waiting(partition, 2);
    expect(op.tryComplete()).toBe(false);
    partition.readForFollower(2, 1, 3, 1, 1 << 20);
    expect(op.tryComplete()).toBe(true);
    expect(outcomes).toEqual([{ error: undefined, baseOffset: 0 }]);
  });

  it('fails with NOT_LEADER_OR_FOLLOWER when leadership moves while it waits', async () => {
    const partition = await leader([1, 2]);
    const { op, outcomes } = waiting(partition, 1);
    partition.applyAssignment({ leader: 2, leaderEpoch: 4, partitionEpoch: 2, replicas: [1, 2, 3], isr: [2] });
    expect(op.tryComplete()).toBe(true);
    expect(outcomes[0]!.error?.code).toBe('NOT_LEADER_OR_FOLLOWER');
  });

  it('fails with NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrinks below the minimum', async () => {
    const partition = await leader([1, 2, 3]);
    const { op, outcomes } = waiting(partition, 3);
    partition.applyAssignment({ leader: 1, leaderEpoch: 3, partitionEpoch: 2, replicas: [1, 2, 3], isr: [1, 2] });
    expect(op.tryComplete()).toBe(true);
    expect(outcomes[0]!.error?.code).toBe('NOT_ENOUGH_REPLICAS_AFTER_APPEND');
  });

  it('answers NOT_ENOUGH_REPLICAS_AFTER_APPEND when the high watermark passes the batch only because the ISR shrank below the minimum', async () => {
    const partition = await leader([1, 2]);
    const { op, outcomes } = waiting(partition, 2);
    expect(op.tryComplete()).toBe(false);
    // Follower 2 never fetched: the committed shrink to {1} lets the high watermark pass the batch.
    partition.applyAssignment({ leader: 1, leaderEpoch: 3, partitionEpoch: 2, replicas: [1, 2, 3], isr: [1] });
    expect(partition.highWatermark).toBe(1);
    expect(op.tryComplete()).toBe(true);
    expect(outcomes).toEqual([{ error: expect.objectContaining({ code: 'NOT_ENOUGH_REPLICAS_AFTER_APPEND', retriable: true }), baseOffset: -1 }]);
  });

  it('fails with KAFKA_STORAGE_ERROR when the leader\'s log fails while it waits', async () => {
    const sync = new FailingSync();
    const outcomes: ProduceOutcome[] = [];
    let op: DelayedProduce | undefined;
    const partition = await disk.open('failing', { brokerId: 1, now: Date.now, onChange: () => op?.tryComplete() }, { flushPolicy: 'every-batch', sync });
    partition.applyAssignment({ leader: 1, leaderEpoch: 3, partitionEpoch: 1, replicas: [1, 2, 3], isr: [1, 2] });
    sync.failing = true;
    const info = partition.appendAsLeader(encodeBatch([{ value: 'v' }]), -1, 1);
    op = new DelayedProduce(partition, 3, info.firstOffset, info.lastOffset + 1, 1, (o) => outcomes.push(o));
    expect(op.tryComplete()).toBe(false);
    await expect(partition.log.waitForDurable(1)).rejects.toMatchObject({ code: 'KAFKA_STORAGE_ERROR' });
    expect(outcomes).toEqual([{ error: expect.objectContaining({ code: 'KAFKA_STORAGE_ERROR', retriable: true }), baseOffset: -1 }]);
    sync.failing = false;
  });

  it('times out with REQUEST_TIMED_OUT', async () => {
    const partition = await leader([1, 2]);
    const { op, outcomes } = waiting(partition, 1);
    op.onExpire();
    expect(outcomes[0]!.error?.code).toBe('REQUEST_TIMED_OUT');
  });
});
