import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '@quill/clock';
import type {
  CreateTopicsRequest,
  CreateTopicsResponse__Output,
  DeleteGroupResult,
  DescribedGroup,
  ErrorCode,
  FindCoordinatorResponse,
  HeartbeatRequest__Output,
  HeartbeatResponse,
  JoinGroupRequest__Output,
  JoinGroupResponse,
  LeaveGroupRequest__Output,
  LeaveGroupResponse,
  ListGroupsResponse,
  OffsetCommitRequest__Output,
  OffsetCommitResponse,
  OffsetFetchRequest__Output,
  OffsetFetchResponse,
  SyncGroupRequest__Output,
  SyncGroupResponse,
} from '@quill/proto';
import type { Logger } from 'pino';
import type { BrokerConfig } from '../config.js';
import { toQuillError } from '../errors.js';
import type { LeadershipChange, ReplicaManager } from '../replica-manager/replica-manager.js';
import { heldWaitMs, type HeartbeatParkingLimits } from './heartbeat-parking.js';
import { HeldHeartbeats } from './held-heartbeats.js';
import type { Group } from './group.js';
import { GROUP_METADATA_TOPIC_NAME, OffsetsTopic } from './offsets-topic.js';
import type { GroupCoordinatorSettings } from './shard.js';
import { ShardSlot, type ShardCall } from './shard-slot.js';

export interface GroupCoordinatorDeps {
  config: BrokerConfig;
  replicas: Pick<ReplicaManager, 'state' | 'onLeadershipChange' | 'hostedPartitions' | 'partition' | 'produce'>;
  /** CreateTopics on the active controller (for __consumer_offsets on first use). */
  createTopics: (request: CreateTopicsRequest) => Promise<CreateTopicsResponse__Output>;
  logger: Logger;
  /** Session, rebalance and held-heartbeat timers; the system clock unless a test drives time. */
  clock?: Clock;
}

/** Who sent a JoinGroup (for DescribeGroups). */
export interface ClientIdentity {
  clientId: string;
  clientHost: string;
}

type Failure = { code: ErrorCode; message: string };

/**
 * The group coordinator of this broker: one ShardSlot per __consumer_offsets partition it
 * leads, following leadership (loading a slot answers COORDINATOR_LOAD_IN_PROGRESS meanwhile;
 * leadership leaving answers NOT_COORDINATOR), and each group request routed to its group's slot.
 */
export class GroupCoordinator {
  private readonly slots = new Map<number, ShardSlot>();
  private unsubscribe: (() => void) | undefined;
  private readonly settings: GroupCoordinatorSettings;
  private readonly parkingLimits: HeartbeatParkingLimits;
  private readonly clock: Clock;
  private readonly offsetsTopic: OffsetsTopic;
  /** Long-poll heartbeats held until their group changes or their wait ends. */
  private readonly held: HeldHeartbeats;

  constructor(private readonly deps: GroupCoordinatorDeps) {
    this.clock = deps.clock ?? systemClock;
    this.settings = {
      minSessionTimeoutMs: deps.config.groupMinSessionTimeoutMs,
      maxSessionTimeoutMs: deps.config.groupMaxSessionTimeoutMs,
      initialRebalanceDelayMs: deps.config.groupInitialRebalanceDelayMs,
      groupMaxSize: deps.config.groupMaxSize,
      offsetMetadataMaxBytes: deps.config.offsetMetadataMaxBytes,
      offsetsRetentionMs: deps.config.offsetsRetentionMinutes * 60_000,
      offsetsRetentionCheckIntervalMs: deps.config.offsetsRetentionCheckIntervalMs,
    };
    this.parkingLimits = {
      maxWaitMs: deps.config.groupHeartbeatMaxWaitMs,
      maxPerGroup: deps.config.groupHeartbeatParkedMaxPerGroup,
      maxTotal: deps.config.groupHeartbeatParkedMax,
    };
    this.held = new HeldHeartbeats(this.parkingLimits, this.clock);
    this.offsetsTopic = new OffsetsTopic(deps);
  }

  start(): void {
    this.unsubscribe = this.deps.replicas.onLeadershipChange((change) => this.onLeadershipChange(change));
    for (const hosted of this.deps.replicas.hostedPartitions()) {
      if (hosted.topic !== GROUP_METADATA_TOPIC_NAME || !hosted.partition.isLeader) continue;
      this.onLeadershipChange({ topic: hosted.topic, partition: hosted.index, isLeader: true, leaderEpoch: hosted.partition.leaderEpoch });
    }
  }

  stop(): void {
    this.unsubscribe?.();
    for (const partition of [...this.slots.keys()]) this.unload(partition);
    this.held.stop();
  }

  // ------------------------------------------------------------------ requests

  findCoordinator(keys: readonly string[]): Promise<FindCoordinatorResponse> {
    return this.offsetsTopic.findCoordinator(keys);
  }

  join(request: JoinGroupRequest__Output, client: ClientIdentity): Promise<JoinGroupResponse> {
    return this.route(request.groupId, (failure) => ({ error: failure, memberId: request.memberId }), (shard, requestId, now) =>
      shard.join(now, requestId, request, { ...client, newMemberId: `${client.clientId}-${randomUUID()}` }),
    );
  }

  sync(request: SyncGroupRequest__Output): Promise<SyncGroupResponse> {
    return this.route(request.groupId, (failure) => ({ error: failure }), (shard, requestId, now) => shard.sync(now, requestId, request));
  }

  /**
   * Runs the heartbeat through the shard (which refreshes the member's session). With
   * `max_wait_ms` > 0 an answer of NONE is held instead (bounded: heldWaitMs and the parking
   * maximums) until the group changes, when the heartbeat runs again and answers, say,
   * REBALANCE_IN_PROGRESS; or until the wait ends (NONE); or until this broker stops
   * coordinating the group (NOT_COORDINATOR). `cancelled` aborts when the caller went away.
   */
  heartbeat(request: HeartbeatRequest__Output, cancelled?: AbortSignal): Promise<HeartbeatResponse> {
    const found = this.slotFor(request.groupId);
    if ('code' in found) return Promise.resolve({ error: found });
    const sessionTimeoutMs = found.shard!.sessionTimeoutOf(request.groupId, request.memberId) ?? 0;
    const waitMs = heldWaitMs(request.maxWaitMs, sessionTimeoutMs, this.parkingLimits);
    if (waitMs === 0) return found.call<HeartbeatResponse>((shard, requestId, now) => shard.heartbeat(now, requestId, request));
    return this.held.hold(found, request, waitMs, cancelled);
  }

  leave(request: LeaveGroupRequest__Output): Promise<LeaveGroupResponse> {
    return this.route(request.groupId, (failure) => ({ error: failure, members: [] }), (shard, requestId, now) => shard.leave(now, requestId, request));
  }

  commitOffsets(request: OffsetCommitRequest__Output): Promise<OffsetCommitResponse> {
    return this.route(
      request.groupId,
      (failure) => ({
        error: failure,
        topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode: failure.code, errorMessage: failure.message })) })),
      }),
      (shard, requestId, now) => shard.commitOffsets(now, requestId, request),
    );
  }

  fetchOffsets(request: OffsetFetchRequest__Output): OffsetFetchResponse {
    const found = this.slotFor(request.groupId);
    return 'code' in found ? { error: found } : found.shard!.fetchOffsets(request);
  }

  listGroups(statesFilter: readonly string[]): ListGroupsResponse {
    const groups = [...this.slots.values()].flatMap((slot) => slot.shard?.listGroups(statesFilter) ?? []);
    const loading = [...this.slots.values()].some((slot) => slot.shard === undefined);
    return loading
      ? { error: { code: 'COORDINATOR_LOAD_IN_PROGRESS', message: 'Some groups of this coordinator are still loading.' }, groups }
      : { groups };
  }

  describeGroups(groupIds: readonly string[]): DescribedGroup[] {
    return groupIds.map((groupId) => {
      const found = this.slotFor(groupId);
      if ('code' in found) return { groupId, errorCode: found.code, errorMessage: found.message, groupState: '', protocolType: '', protocolName: '', members: [] };
      return found.shard!.describeGroup(groupId);
    });
  }

  /** Every group of the offsets partitions loaded here (for the group metrics). */
  *loadedGroups(): IterableIterator<Group> {
    for (const slot of this.slots.values()) if (slot.shard !== undefined) yield* slot.shard.groups();
  }

  async deleteGroups(groupIds: readonly string[]): Promise<DeleteGroupResult[]> {
    const bySlot = new Map<ShardSlot, string[]>();
    const results = new Map<string, DeleteGroupResult>();
    for (const groupId of groupIds) {
      const found = this.slotFor(groupId);
      if ('code' in found) {
        results.set(groupId, { groupId, errorCode: found.code, errorMessage: found.message });
        continue;
      }
      bySlot.set(found, [...(bySlot.get(found) ?? []), groupId]);
    }
    await Promise.all(
      [...bySlot].map(async ([slot, ids]) => {
        const response = await slot.call<{ results: DeleteGroupResult[] }>((shard, requestId, now) => shard.deleteGroups(now, requestId, ids));
        for (const r of response.results) results.set(r.groupId!, r);
      }),
    );
    return groupIds.map((groupId) => results.get(groupId)!);
  }

  // ------------------------------------------------------------------ routing

  /** The loaded slot coordinating the group, or why there is none here. */
  private slotFor(groupId: string): ShardSlot | Failure {
    if (groupId === '') return { code: 'INVALID_GROUP_ID', message: 'The group id must not be empty.' };
    const slot = this.slots.get(this.offsetsTopic.partitionFor(groupId));
    if (slot === undefined) return { code: 'NOT_COORDINATOR', message: `Broker ${this.deps.config.nodeId} is not the coordinator of group ${groupId}.` };
    if (slot.shard === undefined) return { code: 'COORDINATOR_LOAD_IN_PROGRESS', message: `Broker ${this.deps.config.nodeId} is loading the groups of partition ${slot.partition}.` };
    return slot;
  }

  private route<T>(groupId: string, failed: (failure: Failure) => T, run: ShardCall): Promise<T> {
    const found = this.slotFor(groupId);
    if ('code' in found) return Promise.resolve(failed(found));
    return found.call<T>(run);
  }

  // ------------------------------------------------------------------ leadership

  private onLeadershipChange(change: LeadershipChange): void {
    if (change.topic !== GROUP_METADATA_TOPIC_NAME) return;
    const existing = this.slots.get(change.partition);
    if (!change.isLeader) {
      if (existing !== undefined) this.unload(change.partition);
      return;
    }
    if (existing?.leaderEpoch === change.leaderEpoch) return;
    if (existing !== undefined) this.unload(change.partition);
    const slot = new ShardSlot(change.partition, change.leaderEpoch, {
      config: this.deps.config,
      replicas: this.deps.replicas,
      settings: this.settings,
      clock: this.clock,
      logger: this.deps.logger,
      onGroupChanged: (changed, groupId) => this.held.wakeGroup(changed, groupId),
    });
    this.slots.set(change.partition, slot);
    slot.load().catch((error: unknown) => {
      this.deps.logger.error({ partition: change.partition, err: toQuillError(error).message }, 'loading groups failed; not coordinating this partition');
      if (this.slots.get(slot.partition) === slot) {
        this.slots.delete(slot.partition);
        slot.close();
      }
    });
  }

  private unload(partition: number): void {
    const slot = this.slots.get(partition);
    if (slot === undefined) return;
    this.slots.delete(partition);
    slot.close();
    const notCoordinator = { code: 'NOT_COORDINATOR' as const, message: `Broker ${this.deps.config.nodeId} is no longer the coordinator of ${GROUP_METADATA_TOPIC_NAME}-${partition}.` };
    this.held.releasePartition(partition, notCoordinator);
    this.deps.logger.info({ partition, leaderEpoch: slot.leaderEpoch }, 'unloaded groups');
  }
}
