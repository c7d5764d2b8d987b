import { ErrorCode } from '@quill/proto';
import { SeededRandom } from '@quill/random';
import { describe, expect, it } from 'vitest';
import { type PartitionMetadata, partitionOf, topicByName } from '@quill/metadata';
import { MetadataCluster, seededUuids } from '../test-support/metadata-cluster.js';
import { alterPartition, type AlterPartitionRequest } from './alter-partition.js';
import { createTopic } from './create-topics.js';

function setup(): { c: MetadataCluster; current: () => PartitionMetadata; request: (overrides?: Partial<AlterPartitionRequest>) => AlterPartitionRequest } {
  const c = new MetadataCluster(seededUuids(new SeededRandom(9)));
  [1, 2, 3, 4].forEach((id) => c.addBroker(id));
  const assignments = [{ partition: 0, brokerIds: [1, 2, 3] }];
  c.expect(createTopic(c.state, { name: 't', numPartitions: -1, replicationFactor: -1, assignments, configs: {} }, c.topicContext));
  const current = (): PartitionMetadata => partitionOf(c.state, topicByName(c.state, 't')!.topicId, 0)!;
  const request = (overrides: Partial<AlterPartitionRequest> = {}): AlterPartitionRequest => {
    const p = current();
    const leader = c.state.brokers.get(p.leader)!;
    return {
      brokerId: leader.brokerId,
      brokerEpoch: leader.brokerEpoch,
      topicId: p.topicId,
      partition: 0,
      leaderEpoch: p.leaderEpoch,
      partitionEpoch: p.partitionEpoch,
      newIsr: [1, 2],
      ...overrides,
    };
  };
  return { c, current, request };
}

function codeOf(decision: ReturnType<typeof alterPartition>): string {
  return decision.ok ? 'ok' : decision.error.code;
}

describe('alterPartition', () => {
  it('shrinks and expands the ISR with partitionEpoch + 1 and the leader epoch unchanged', () => {
    const { c, current, request } = setup();
    const shrunk = c.expect(alterPartition(c.state, request({ newIsr: [2, 1] })));
    expect(shrunk).toMatchObject({ isr: [1, 2], leader: 1, leaderEpoch: 0, partitionEpoch: 1 });
    expect(current()).toEqual(shrunk);
    c.expect(alterPartition(c.state, request({ newIsr: [1, 2, 3] })));
    expect(current()).toMatchObject({ isr: [1, 2, 3], partitionEpoch: 2, leaderEpoch: 0 });
  });

  it('is a compare-and-set on the partition epoch: the loser gets INVALID_UPDATE_VERSION', () => {
    const { c, request } = setup();
    const stale = request();
    c.expect(alterPartition(c.state, request({ newIsr: [1, 3] })));
    expect(codeOf(alterPartition(c.state, stale))).toBe(ErrorCode.INVALID_UPDATE_VERSION);
    expect(codeOf(alterPartition(c.state, { ...stale, partitionEpoch: stale.partitionEpoch + 5 }))).toBe(ErrorCode.INVALID_UPDATE_VERSION);
  });

  it('fences a leader with another leader epoch', () => {
    const { c, request } = setup();
    expect(codeOf(alterPartition(c.state, request({ leaderEpoch: -1 })))).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    expect(codeOf(alterPartition(c.state, request({ leaderEpoch: 1 })))).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    // A deposed leader: the partition moved on to a new leader epoch.
    const before = request();
    c.heartbeat(1, { wantFence: true });
    expect(codeOf(alterPartition(c.state, { ...before, brokerId: 2, brokerEpoch: c.state.brokers.get(2)!.brokerEpoch }))).toBe(
      ErrorCode.FENCED_LEADER_EPOCH,
    );
  });

  it('accepts requests only from the leader, with its current broker epoch', () => {
    const { c, request } = setup();
    const follower = c.state.brokers.get(2)!;
    expect(codeOf(alterPartition(c.state, request({ brokerId: 2, brokerEpoch: follower.brokerEpoch })))).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(codeOf(alterPartition(c.state, request({ brokerEpoch: 0 })))).toBe(ErrorCode.STALE_BROKER_EPOCH);
    expect(codeOf(alterPartition(c.state, request({ brokerId: 42 })))).toBe(ErrorCode.BROKER_ID_NOT_REGISTERED);
  });

  it.each([
    [[1, 1], 'twice'],
    [[1, 4], 'not a replica'],
    [[2, 4], 'not a replica'],
  ])('refuses the ISR %j with INVALID_REQUEST', (newIsr, message) => {
    const { c, request } = setup();
    const decision = alterPartition(c.state, request({ newIsr }));
    expect(codeOf(decision)).toBe(ErrorCode.INVALID_REQUEST);
    expect(decision.ok || decision.error.message).toContain(message);
  });

  it('takes an ISR without the leader as its resignation: the next ISR member leads, with a new leader epoch', () => {
    const { c, current, request } = setup();
    const resigned = c.expect(alterPartition(c.state, request({ newIsr: [3, 2] })));
    expect(resigned).toMatchObject({ leader: 2, isr: [2, 3], leaderEpoch: 1, partitionEpoch: 1 });
    expect(current()).toEqual(resigned);
    // The new leader's own ISR changes go on as usual.
    c.expect(alterPartition(c.state, request({ newIsr: [2] })));
    expect(current()).toMatchObject({ leader: 2, isr: [2], leaderEpoch: 1, partitionEpoch: 2 });
  });

  it('leaves a resigning last ISR member in the ISR, without a leader (it may hold acknowledged writes alone)', () => {
    const { c, current, request } = setup();
    c.expect(alterPartition(c.state, request({ newIsr: [1] })));
    const resigned = c.expect(alterPartition(c.state, request({ newIsr: [] })));
    expect(resigned).toMatchObject({ leader: -1, isr: [1], leaderEpoch: 1, partitionEpoch: 2 });
    expect(current()).toEqual(resigned);
  });

  it('passes over an ISR member that may not lead when the leader resigns', () => {
    const { c, current, request } = setup();
    // Broker 2 is shutting down: still in the ISR, but it may not lead.
    c.heartbeat(2, { wantShutdown: true });
    expect(current().isr).toEqual([1, 2, 3]);
    c.expect(alterPartition(c.state, request({ newIsr: [2, 3] })));
    expect(current()).toMatchObject({ leader: 3, isr: [2, 3] });
  });

  it('lets only serving brokers join, while a member that is shutting down may stay', () => {
    const { c, request } = setup();
    c.expect(alterPartition(c.state, request({ newIsr: [1, 2] })));
    c.heartbeat(3, { wantFence: true });
    expect(codeOf(alterPartition(c.state, request({ newIsr: [1, 2, 3] })))).toBe(ErrorCode.INVALID_REQUEST);
    c.heartbeat(2, { wantShutdown: true });
    expect(codeOf(alterPartition(c.state, request({ newIsr: [1, 2] })))).toBe('ok');
  });

  it('writes nothing when the ISR does not change', () => {
    const { c, request } = setup();
    expect(alterPartition(c.state, request({ newIsr: [3, 2, 1] }))).toMatchObject({ ok: true, records: [] });
  });

  it('names unknown topics and partitions', () => {
    const { c, request } = setup();
    expect(codeOf(alterPartition(c.state, request({ topicId: '00000000-0000-4000-8000-000000000000' })))).toBe(ErrorCode.UNKNOWN_TOPIC_ID);
    expect(codeOf(alterPartition(c.state, request({ partition: 3 })))).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });
});
