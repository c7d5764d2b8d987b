import { ErrorCode } from '@quill/proto';
import { describe, expect, it } from 'vitest';
import { canonicalMetadata, restore, snapshot } from '@quill/metadata';
import type { MetadataCluster } from '../test-support/metadata-cluster.js';
import { clusterWith as clusterOf, partitionOfT as partition, proposeIsr } from '../test-support/topic-fixture.js';
import { alterPartitionReassignments, listPartitionReassignments, type ReassignmentRequest } from './reassignment.js';

const clusterWith = (brokers: number, replicaLists: number[][]): MetadataCluster => clusterOf(brokers, replicaLists, { seed: 23 });
const codes = (results: ReadonlyArray<{ errorCode: string }>): string[] => results.map((r) => r.errorCode);
const move = (replicas: number[] | undefined, index = 0): ReassignmentRequest => ({ topic: 't', partition: index, replicas });

describe('partition reassignment', () => {
  it('adds the new replicas as followers, and completes once they are in the ISR: the removed ones leave', () => {
    const c = clusterWith(4, [[1, 2, 3]]);
    expect(codes(c.expect(alterPartitionReassignments(c.state, [move([2, 3, 4])])))).toEqual([ErrorCode.NONE]);
    expect(partition(c)).toMatchObject({ replicas: [2, 3, 4, 1], isr: [1, 2, 3], leader: 1, reassignment: { adding: [4], removing: [1] } });
    expect(listPartitionReassignments(c.state, undefined)).toEqual([{ topic: 't', partition: 0, replicas: [2, 3, 4, 1], adding: [4], removing: [1] }]);

    // The leader (1, being removed) takes the caught-up replica 4 into the ISR: the move completes in
    // the same decision, and the leadership goes to the first target replica in the ISR.
    const before = partition(c);
    proposeIsr(c, [1, 2, 3, 4]);
    const after = partition(c);
    expect(after).toMatchObject({ replicas: [2, 3, 4], isr: [2, 3, 4], leader: 2, leaderEpoch: before.leaderEpoch + 1 });
    expect(after.reassignment).toBeUndefined();
    expect(after.partitionEpoch).toBeGreaterThan(before.partitionEpoch);
    expect(listPartitionReassignments(c.state, undefined)).toEqual([]);
  });

  it('keeps the leader when it stays, and completes at once when the target replicas are all in sync already', () => {
    const c = clusterWith(3, [[1, 2, 3]]);
    c.expect(alterPartitionReassignments(c.state, [move([1, 2])]));
    expect(partition(c)).toMatchObject({ replicas: [1, 2], isr: [1, 2], leader: 1 });
    expect(partition(c).reassignment).toBeUndefined();

    // A reorder changes the preferred leader and nothing else.
    const before = partition(c);
    c.expect(alterPartitionReassignments(c.state, [move([2, 1])]));
    expect(partition(c)).toMatchObject({ replicas: [2, 1], isr: [2, 1], leader: 1, leaderEpoch: before.leaderEpoch });
    expect(partition(c).reassignment).toBeUndefined();
  });

  it('cancels a move: the original replicas come back in their order (the preferred leader too), the added ones leave', () => {
    const c = clusterWith(5, [[1, 2, 3]]);
    c.expect(alterPartitionReassignments(c.state, [move([3, 4, 5])]));
    expect(partition(c)).toMatchObject({ replicas: [3, 4, 5, 1, 2], reassignment: { adding: [4, 5], removing: [1, 2] } });
    proposeIsr(c, [1, 2, 3, 4]);
    expect(partition(c).reassignment).toBeDefined();

    expect(codes(c.expect(alterPartitionReassignments(c.state, [move(undefined)])))).toEqual([ErrorCode.NONE]);
    expect(partition(c)).toMatchObject({ replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1 });
    expect(partition(c).reassignment).toBeUndefined();
    expect(codes(alterPartitionReassignments(c.state, [move(undefined)]).result)).toEqual([ErrorCode.NO_REASSIGNMENT_IN_PROGRESS]);
  });

  it('refuses a bad plan whole, before anything moves, with a code and a clear line per partition', () => {
    const c = clusterWith(4, [[1, 2, 3], [2, 3, 1]]);
    const refusal = (requests: ReassignmentRequest[]): Array<{ errorCode: string; errorMessage?: string }> => {
      const decision = alterPartitionReassignments(c.state, requests);
      expect(decision.records).toEqual([]);
      return decision.result.map(({ errorCode, errorMessage }) => ({ errorCode, ...(errorMessage === undefined ? {} : { errorMessage }) }));
    };
    expect(refusal([move([2, 3, 9]), move([2, 3, 4], 1)])).toEqual([
      { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: 't/0: broker 9 is not registered.' },
      { errorCode: ErrorCode.OPERATION_NOT_ATTEMPTED, errorMessage: 'Another partition of the request was refused; nothing moved.' },
    ]);
    expect(refusal([move([2, 2, 4])])[0]).toEqual({ errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: 't/0: broker 2 is named twice.' });
    expect(refusal([move([])])[0]).toEqual({ errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: 't/0: the replica list is empty.' });
    expect(refusal([move([1, 2, 4], 7)])[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(refusal([{ topic: 'nope', partition: 0, replicas: [1] }])[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(refusal([move([1, 2, 4]), move([2, 3, 4])])[1]!.errorCode).toBe(ErrorCode.INVALID_REQUEST);

    c.expect(alterPartitionReassignments(c.state, [move([1, 2, 4])]));
    expect(refusal([move([2, 3, 4])])[0]).toEqual({
      errorCode: ErrorCode.REASSIGNMENT_IN_PROGRESS,
      errorMessage: 't/0 is already moving to [1,2,4]; cancel that move first.',
    });
  });

  it('lives in the metadata log: a snapshot restores a move in progress exactly', () => {
    const c = clusterWith(4, [[1, 2, 3]]);
    c.expect(alterPartitionReassignments(c.state, [move([2, 3, 4])]));
    expect(canonicalMetadata(restore(snapshot(c.state), c.state.offset))).toEqual(canonicalMetadata(c.state));
    expect(restore(snapshot(c.state), c.state.offset).topicsById.get(partition(c).topicId)!.partitions.get(0)!.reassignment).toEqual({ adding: [4], removing: [1], original: [1, 2, 3] });
  });

  it('waits rather than leave the partition leaderless: a move whose in-sync targets may not lead does not complete yet', () => {
    const c = clusterWith(3, [[1, 2, 3]]);
    // 2 and 3 are in sync but shutting down: nobody in the target may take over from leader 1.
    c.heartbeat(2, { wantShutdown: true });
    c.heartbeat(3, { wantShutdown: true });
    const before = partition(c);
    c.expect(alterPartitionReassignments(c.state, [move([2, 3])]));
    expect(partition(c)).toMatchObject({ leader: 1, replicas: [2, 3, 1], reassignment: { adding: [], removing: [1] } });
    expect(partition(c).leaderEpoch).toBe(before.leaderEpoch);
  });
});
