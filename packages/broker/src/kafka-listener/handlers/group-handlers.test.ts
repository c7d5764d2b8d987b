import { ManualClock } from '@quill/clock';
import { ApiKeys } from '@quill/kafka-protocol';
import type { MetadataState } from '@quill/metadata';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { singlePartitionCoordinator } from '../../group-coordinator/single-partition-coordinator.test-data.js';
import type { KafkaRequestContext } from '../handler-registry.js';
import type { KafkaServices } from '../kafka-services.js';
import { deleteGroupsKafkaHandler } from './delete-groups.js';
import { describeGroupsKafkaHandler } from './describe-groups.js';
import { findCoordinatorKafkaHandler } from './find-coordinator.js';
import { heartbeatKafkaHandler } from './heartbeat.js';
import { joinGroupKafkaHandler } from './join-group.js';
import { leaveGroupKafkaHandler } from './leave-group.js';
import { listGroupsKafkaHandler } from './list-groups.js';
import { offsetCommitKafkaHandler } from './offset-commit.js';
import { offsetFetchKafkaHandler } from './offset-fetch.js';
import { syncGroupKafkaHandler } from './sync-group.js';

// The group handlers over a real coordinator (one broker leading the only offsets partition,
// appends succeeding at once) on a manual clock.

const GROUP = 'kafka-app';
const INITIAL_REBALANCE_DELAY_MS = 100;
const logger = pino({ level: 'silent' });
/** Bytes a Kafka client encodes itself (ConsumerProtocol): the coordinator must hand them back unchanged. */
const KAFKA_SUBSCRIPTION = Buffer.from([0, 1, 0, 0, 0, 1, 0, 6, 0x6f, 0x72, 0x64, 0x65, 0x72, 0x73, 0xff, 0xff, 0xff, 0xff]);
const KAFKA_ASSIGNMENT = Buffer.from([0, 1, 0, 0, 0, 1, 0, 6, 0x6f, 0x72, 0x64, 0x65, 0x72, 0x73, 0, 0, 0, 1, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);

function context(apiKey: number, apiVersion: number): KafkaRequestContext {
  return { header: { apiKey, apiVersion, correlationId: 1, clientId: 'kafkajs', bodyOffset: 0 }, clientAddress: '127.0.0.1:50123', logger };
}

const joinBody = (memberId: string) => ({
  groupId: GROUP,
  sessionTimeoutMs: 10_000,
  rebalanceTimeoutMs: 30_000,
  memberId,
  groupInstanceId: null,
  protocolType: 'consumer',
  protocols: [{ name: 'RoundRobinAssigner', metadata: KAFKA_SUBSCRIPTION }],
});

describe('Kafka group handlers', () => {
  it('runs a member through join, sync, heartbeat, commit, fetch, describe, list, leave and delete with its bytes unchanged', async () => {
    const clock = new ManualClock(1_000_000);
    const coordinator = singlePartitionCoordinator(clock, INITIAL_REBALANCE_DELAY_MS);
    const join = joinGroupKafkaHandler(coordinator);

    const first = (await join.handle(joinBody(''), context(ApiKeys.JoinGroup, 5))) as { errorCode: number; memberId: string };
    expect(first.errorCode).toBe(79); // MEMBER_ID_REQUIRED, Kafka's number
    expect(first.memberId).toMatch(/^kafkajs-/);

    const joining = join.handle(joinBody(first.memberId), context(ApiKeys.JoinGroup, 5));
    clock.advance(INITIAL_REBALANCE_DELAY_MS);
    const joined = await joining;
    expect(joined).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      generationId: 1,
      protocolType: 'consumer',
      protocolName: 'RoundRobinAssigner',
      leader: first.memberId,
      skipAssignment: false,
      memberId: first.memberId,
      members: [{ memberId: first.memberId, groupInstanceId: null, metadata: KAFKA_SUBSCRIPTION }],
    });

    const synced = await syncGroupKafkaHandler(coordinator).handle(
      { groupId: GROUP, generationId: 1, memberId: first.memberId, assignments: [{ memberId: first.memberId, assignment: KAFKA_ASSIGNMENT }] },
      context(ApiKeys.SyncGroup, 3),
    );
    expect(synced).toMatchObject({ errorCode: 0, assignment: KAFKA_ASSIGNMENT });
    expect(await heartbeatKafkaHandler(coordinator).handle({ groupId: GROUP, generationId: 1, memberId: first.memberId }, context(ApiKeys.Heartbeat, 3))).toEqual({ throttleTimeMs: 0, errorCode: 0 });
    expect(await heartbeatKafkaHandler(coordinator).handle({ groupId: GROUP, generationId: 2, memberId: first.memberId }, context(ApiKeys.Heartbeat, 3))).toEqual({ throttleTimeMs: 0, errorCode: 22 });

    const committed = await offsetCommitKafkaHandler(coordinator).handle(
      {
        groupId: GROUP,
        generationId: 1,
        memberId: first.memberId,
        topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 42n, committedLeaderEpoch: 3, committedMetadata: 'checkpoint-7' }, { partitionIndex: 1, committedOffset: 5n, committedMetadata: null }] }],
      },
      context(ApiKeys.OffsetCommit, 7),
    );
    expect(committed).toEqual({ throttleTimeMs: 0, topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 1, errorCode: 0 }] }] });

    const fetchOffsets = offsetFetchKafkaHandler(coordinator);
    expect(await fetchOffsets.handle({ groupId: GROUP, topics: [{ name: 'orders', partitionIndexes: [0, 1, 2] }] }, context(ApiKeys.OffsetFetch, 5))).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      topics: [
        {
          name: 'orders',
          partitions: [
            { partitionIndex: 0, committedOffset: 42n, committedLeaderEpoch: 3, metadata: 'checkpoint-7', errorCode: 0 },
            { partitionIndex: 1, committedOffset: 5n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
            { partitionIndex: 2, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
          ],
        },
      ],
    });
    const multi = (await fetchOffsets.handle({ groups: [{ groupId: GROUP, topics: null }, { groupId: '', topics: null }] }, context(ApiKeys.OffsetFetch, 8))) as {
      groups: Array<{ groupId: string; errorCode: number; topics: Array<{ partitions: Array<{ committedOffset: bigint; metadata: string | null }> }> }>;
    };
    expect(multi.groups.map((g) => [g.groupId, g.errorCode])).toEqual([
      [GROUP, 0],
      ['', 24], // INVALID_GROUP_ID
    ]);
    expect(multi.groups[0]!.topics[0]!.partitions.map((p) => [p.committedOffset, p.metadata])).toEqual([
      [42n, 'checkpoint-7'],
      [5n, ''],
    ]);

    const described = await describeGroupsKafkaHandler(coordinator).handle({ groups: [GROUP] }, context(ApiKeys.DescribeGroups, 4));
    expect(described).toEqual({
      throttleTimeMs: 0,
      groups: [
        {
          errorCode: 0,
          groupId: GROUP,
          groupState: 'Stable',
          protocolType: 'consumer',
          protocolData: 'RoundRobinAssigner',
          members: [{ memberId: first.memberId, groupInstanceId: null, clientId: 'kafkajs', clientHost: '/127.0.0.1', memberMetadata: KAFKA_SUBSCRIPTION, memberAssignment: KAFKA_ASSIGNMENT }],
          authorizedOperations: -2147483648,
        },
      ],
    });
    expect(await listGroupsKafkaHandler(coordinator).handle({ statesFilter: ['stable'] }, context(ApiKeys.ListGroups, 4))).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      groups: [{ groupId: GROUP, protocolType: 'consumer', groupState: 'Stable' }],
    });

    const deleteGroups = deleteGroupsKafkaHandler(coordinator);
    expect(await deleteGroups.handle({ groupsNames: [GROUP] }, context(ApiKeys.DeleteGroups, 1))).toEqual({ throttleTimeMs: 0, results: [{ groupId: GROUP, errorCode: 68 }] });
    expect(
      await leaveGroupKafkaHandler(coordinator).handle({ groupId: GROUP, members: [{ memberId: first.memberId, groupInstanceId: null }, { memberId: 'stranger', groupInstanceId: null }] }, context(ApiKeys.LeaveGroup, 3)),
    ).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      members: [
        { memberId: first.memberId, groupInstanceId: null, errorCode: 0 },
        { memberId: 'stranger', groupInstanceId: null, errorCode: 25 },
      ],
    });
    expect(await deleteGroups.handle({ groupsNames: [GROUP] }, context(ApiKeys.DeleteGroups, 1))).toEqual({ throttleTimeMs: 0, results: [{ groupId: GROUP, errorCode: 0 }] });
    coordinator.stop();
  });

  it('joins a v0–3 client, which cannot be asked for a member id, in one request', async () => {
    const clock = new ManualClock(1_000_000);
    const coordinator = singlePartitionCoordinator(clock, INITIAL_REBALANCE_DELAY_MS);
    const joining = joinGroupKafkaHandler(coordinator).handle(joinBody(''), context(ApiKeys.JoinGroup, 2));
    await new Promise<void>((resolve) => setImmediate(resolve));
    clock.advance(INITIAL_REBALANCE_DELAY_MS);
    const joined = (await joining) as { errorCode: number; generationId: number; memberId: string; leader: string };
    expect(joined.errorCode).toBe(0);
    expect(joined.generationId).toBe(1);
    expect(joined.leader).toBe(joined.memberId);
    coordinator.stop();
  });

  it('joins a static member (group instance id) at once, fences the member it replaces, and lets it leave by instance id', async () => {
    const clock = new ManualClock(1_000_000);
    const coordinator = singlePartitionCoordinator(clock, INITIAL_REBALANCE_DELAY_MS);
    const join = joinGroupKafkaHandler(coordinator);
    const staticJoin = { ...joinBody(''), groupInstanceId: 'pod-1' };
    const joining = join.handle(staticJoin, context(ApiKeys.JoinGroup, 5));
    await new Promise<void>((resolve) => setImmediate(resolve));
    clock.advance(INITIAL_REBALANCE_DELAY_MS);
    const first = (await joining) as { errorCode: number; memberId: string; members: Array<{ groupInstanceId: string | null }> };
    expect(first.errorCode).toBe(0);
    expect(first.members).toMatchObject([{ groupInstanceId: 'pod-1' }]);

    const second = (await join.handle(staticJoin, context(ApiKeys.JoinGroup, 5))) as { errorCode: number; memberId: string };
    expect(second.errorCode).toBe(0);
    expect(second.memberId).not.toBe(first.memberId);
    const fenced = await heartbeatKafkaHandler(coordinator).handle({ groupId: GROUP, generationId: 1, memberId: first.memberId, groupInstanceId: 'pod-1' }, context(ApiKeys.Heartbeat, 3));
    expect(fenced).toEqual({ throttleTimeMs: 0, errorCode: 82 }); // FENCED_INSTANCE_ID

    const left = await leaveGroupKafkaHandler(coordinator).handle({ groupId: GROUP, members: [{ memberId: '', groupInstanceId: 'pod-1' }] }, context(ApiKeys.LeaveGroup, 4));
    expect(left).toMatchObject({ errorCode: 0, members: [{ groupInstanceId: 'pod-1', errorCode: 0 }] });
    coordinator.stop();
  });

  it("answers a session timeout outside the broker's bounds with INVALID_SESSION_TIMEOUT", async () => {
    const coordinator = singlePartitionCoordinator(new ManualClock(0), INITIAL_REBALANCE_DELAY_MS);
    const answer = await joinGroupKafkaHandler(coordinator).handle({ ...joinBody(''), sessionTimeoutMs: 1 }, context(ApiKeys.JoinGroup, 9));
    expect(answer).toMatchObject({ errorCode: 26, generationId: -1, protocolName: null });
    coordinator.stop();
  });

  it("gives the coordinator's Kafka endpoint, and no transaction coordinator, batched (v4) and single (v3)", async () => {
    const state = {
      brokers: new Map([
        [2, { endpoints: [{ listenerName: 'PLAINTEXT', host: 'b2', port: 9092 }, { listenerName: 'KAFKA', host: 'b2', port: 29092 }] }],
      ]),
    } as unknown as MetadataState;
    const services = {
      broker: { replicas: { state } },
      groups: { findCoordinator: async (keys: readonly string[]) => ({ coordinators: keys.map((key) => ({ key, nodeId: 2, host: 'b2', port: 9092, errorCode: 'NONE' as const, errorMessage: '' })) }) },
    } as unknown as KafkaServices;
    const handler = findCoordinatorKafkaHandler(services);
    expect(await handler.handle({ keyType: 0, coordinatorKeys: ['a', 'b'] }, context(ApiKeys.FindCoordinator, 4))).toEqual({
      throttleTimeMs: 0,
      coordinators: [
        { key: 'a', nodeId: 2, host: 'b2', port: 29092, errorCode: 0, errorMessage: null },
        { key: 'b', nodeId: 2, host: 'b2', port: 29092, errorCode: 0, errorMessage: null },
      ],
    });
    expect(await handler.handle({ key: 'a', keyType: 0 }, context(ApiKeys.FindCoordinator, 3))).toMatchObject({ errorCode: 0, nodeId: 2, host: 'b2', port: 29092 });
    expect(await handler.handle({ key: 'txn-1', keyType: 1 }, context(ApiKeys.FindCoordinator, 3))).toMatchObject({ errorCode: 15, nodeId: -1 });
  });
});
