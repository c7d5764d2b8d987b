import { randomUUID } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { MetadataState } from '@quill/controller';
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
import { partitionForKey } from '@quill/records';
import type { Logger } from 'pino';
import type { BrokerConfig } from '../config.js';
import { toQuillError } from '../errors.js';
import type { LeadershipChange, ReplicaManager } from '../replica-manager/replica-manager.js';
import { HeartbeatParking, heldWaitMs, type HeartbeatParkingLimits } from './heartbeat-parking.js';
import { decodeCoordinatorRecords, encodeCoordinatorRecords } from './record-codec.js';
import { CoordinatorShard, type Effects, type GroupCoordinatorSettings, type Write } from './shard.js';

/** The internal topic holding group metadata and committed offsets. */
export const GROUP_METADATA_TOPIC_NAME = '__consumer_offsets';

export interface GroupCoordinatorDeps {
  config: BrokerConfig;
  replicas: ReplicaManager;
  /** CreateTopics on the active controller (for __consumer_offsets on first use). */
  createTopics: (request: CreateTopicsRequest) => Promise<CreateTopicsResponse__Output>;
  logger: Logger;
  now?: () => number;
}

/** Who sent a JoinGroup (for DescribeGroups). */
export interface ClientIdentity {
  clientId: string;
  clientHost: string;
}

interface Slot {
  partition: number;
  leaderEpoch: number;
  /** Undefined while the partition is being loaded. */
  shard: CoordinatorShard | undefined;
  timer: NodeJS.Timeout | undefined;
}

type Failure = { code: ErrorCode; message: string };

/** A held heartbeat's request and the answer it is waiting for. */
interface HeldHeartbeat {
  request: HeartbeatRequest__Output;
  resolve: (response: HeartbeatResponse) => void;
}

/**
 * The group coordinator of this broker: the adapter around one CoordinatorShard per
 * __consumer_offsets partition it leads. It loads a shard from the partition's log when
 * leadership arrives (answering COORDINATOR_LOAD_IN_PROGRESS meanwhile), drops it when
 * leadership leaves (NOT_COORDINATOR), appends the shard's records with acks=all through the
 * replica manager, and runs the shard's deadlines on one timer per shard.
 */
export class GroupCoordinator {
  private readonly slots = new Map<number, Slot>();
  private readonly waiting = new Map<number, (response: unknown) => void>();
  private nextRequestId = 1;
  private unsubscribe: (() => void) | undefined;
  private creatingTopic: Promise<void> | undefined;
  private readonly settings: GroupCoordinatorSettings;
  private readonly parkingLimits: HeartbeatParkingLimits;
  /** Long-poll heartbeats held until their group changes or their wait ends. */
  private readonly parked: HeartbeatParking<HeldHeartbeat>;
  private parkedTimer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly deps: GroupCoordinatorDeps) {
    this.now = deps.now ?? Date.now;
    this.settings = {
      minSessionTimeoutMs: deps.config.groupMinSessionTimeoutMs,
      maxSessionTimeoutMs: deps.config.groupMaxSessionTimeoutMs,
      initialRebalanceDelayMs: deps.config.groupInitialRebalanceDelayMs,
      groupMaxSize: deps.config.groupMaxSize,
      offsetMetadataMaxBytes: deps.config.offsetMetadataMaxBytes,
    };
    this.parkingLimits = {
      maxWaitMs: deps.config.groupHeartbeatMaxWaitMs,
      maxPerGroup: deps.config.groupHeartbeatParkedMaxPerGroup,
      maxTotal: deps.config.groupHeartbeatParkedMax,
    };
    this.parked = new HeartbeatParking(this.parkingLimits);
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
    if (this.parkedTimer !== undefined) clearTimeout(this.parkedTimer);
    this.parkedTimer = undefined;
  }

  // ------------------------------------------------------------------ requests

  async findCoordinator(keys: readonly string[]): Promise<FindCoordinatorResponse> {
    const state = this.deps.replicas.state;
    if (state === undefined) return { error: { code: 'COORDINATOR_NOT_AVAILABLE', message: 'This broker has not loaded the cluster metadata yet.' } };
    if (!state.topicIdsByName.has(GROUP_METADATA_TOPIC_NAME)) {
      try {
        await this.createOffsetsTopic(state);
      } catch (error) {
        const e = toQuillError(error);
        this.deps.logger.warn({ err: e.message }, `creating ${GROUP_METADATA_TOPIC_NAME} failed`);
      }
    }
    const current = this.deps.replicas.state ?? state;
    return {
      coordinators: keys.map((key) => {
        const located = this.locate(current, key);
        if ('code' in located) return { key, nodeId: -1, host: '', port: -1, errorCode: located.code, errorMessage: located.message };
        return { key, nodeId: located.brokerId, host: located.host, port: located.port, errorCode: 'NONE', errorMessage: '' };
      }),
    };
  }

  private locate(state: MetadataState, key: string): { brokerId: number; host: string; port: number } | Failure {
    if (key === '') return { code: 'INVALID_GROUP_ID', message: 'The group id must not be empty.' };
    const topicId = state.topicIdsByName.get(GROUP_METADATA_TOPIC_NAME);
    const topic = topicId === undefined ? undefined : state.topicsById.get(topicId);
    if (topic === undefined) return { code: 'COORDINATOR_NOT_AVAILABLE', message: `${GROUP_METADATA_TOPIC_NAME} is being created.` };
    const leader = topic.partitions.get(partitionForKey(key, topic.partitions.size))?.leader ?? -1;
    const broker = state.brokers.get(leader);
    const endpoint = broker?.endpoints[0];
    if (leader < 0 || broker === undefined || broker.fenced || endpoint === undefined) {
      return { code: 'COORDINATOR_NOT_AVAILABLE', message: `The coordinator partition of ${key} has no live leader.` };
    }
    return { brokerId: leader, host: endpoint.host, port: endpoint.port };
  }

  /** Kafka creates the offsets topic on the first FindCoordinator; a concurrent creation is fine. */
  private createOffsetsTopic(state: MetadataState): Promise<void> {
    this.creatingTopic ??= (async () => {
      const liveBrokers = [...state.brokers.values()].filter((b) => !b.fenced).length;
      const replicationFactor = Math.max(1, Math.min(this.deps.config.offsetsTopicReplicationFactor, liveBrokers));
      const response = await this.deps.createTopics({
        topics: [
          {
            name: GROUP_METADATA_TOPIC_NAME,
            numPartitions: this.deps.config.offsetsTopicNumPartitions,
            replicationFactor,
            configs: { 'cleanup.policy': 'compact' },
          },
        ],
      });
      const result = response.topics[0];
      const requestFailed = response.error !== null && response.error.code !== 'NONE';
      const code = requestFailed ? response.error!.code : (result?.errorCode ?? 'NONE');
      if (code !== 'NONE' && code !== 'TOPIC_ALREADY_EXISTS') throw new Error(`${code}: ${requestFailed ? response.error!.message : (result?.errorMessage ?? '')}`);
      this.deps.logger.info({ partitions: this.deps.config.offsetsTopicNumPartitions, replicationFactor }, `created ${GROUP_METADATA_TOPIC_NAME}`);
    })().finally(() => {
      this.creatingTopic = undefined;
    });
    return this.creatingTopic;
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
    const found = this.shardFor(request.groupId);
    if ('code' in found) return Promise.resolve({ error: found });
    const { slot, shard } = found;
    const sessionTimeoutMs = shard.sessionTimeoutOf(request.groupId, request.memberId) ?? 0;
    const waitMs = heldWaitMs(request.maxWaitMs, sessionTimeoutMs, this.parkingLimits);
    if (waitMs === 0) return this.call<HeartbeatResponse>(slot, (s, requestId, now) => s.heartbeat(now, requestId, request));
    return new Promise<HeartbeatResponse>((resolve) => {
      const parkId = this.nextRequestId++;
      const held: HeldHeartbeat = { request, resolve };
      const deadline = this.now() + waitMs;
      cancelled?.addEventListener('abort', () => this.parked.remove(parkId), { once: true });
      this.runHeldHeartbeat(slot, parkId, deadline, held);
    });
  }

  /** Runs a (held) heartbeat through the shard; an answer of NONE before its deadline is held (again). */
  private runHeldHeartbeat(slot: Slot, parkId: number, deadline: number, held: HeldHeartbeat): void {
    const requestId = this.nextRequestId++;
    this.waiting.set(requestId, (response) => {
      const answer = response as HeartbeatResponse;
      const none = answer.error === null || answer.error === undefined || answer.error.code === 'NONE';
      const stillHere = this.slots.get(slot.partition) === slot;
      if (none && stillHere && this.now() < deadline && this.parked.park({ id: parkId, partition: slot.partition, groupId: held.request.groupId, deadline, payload: held })) {
        this.scheduleParked();
        return;
      }
      held.resolve(answer);
    });
    this.apply(slot, slot.shard!.heartbeat(this.now(), requestId, held.request));
  }

  /** The group changed: its held heartbeats run again, so each answers what the group is now. */
  private wakeGroup(slot: Slot, groupId: string): void {
    for (const heartbeat of this.parked.takeGroup(groupId)) this.runHeldHeartbeat(slot, heartbeat.id, heartbeat.deadline, heartbeat.payload);
    this.scheduleParked();
  }

  /** One timer for every held heartbeat, at the earliest deadline: those due answer NONE. */
  private scheduleParked(): void {
    if (this.parkedTimer !== undefined) clearTimeout(this.parkedTimer);
    this.parkedTimer = undefined;
    const deadline = this.parked.nextDeadline();
    if (deadline === undefined) return;
    this.parkedTimer = setTimeout(() => {
      this.parkedTimer = undefined;
      for (const heartbeat of this.parked.takeExpired(this.now())) heartbeat.payload.resolve({ error: null });
      this.scheduleParked();
    }, Math.max(0, deadline - this.now()));
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
    const found = this.shardFor(request.groupId);
    return 'code' in found ? { error: found } : found.shard.fetchOffsets(request);
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
      const found = this.shardFor(groupId);
      if ('code' in found) return { groupId, errorCode: found.code, errorMessage: found.message, groupState: '', protocolType: '', protocolName: '', members: [] };
      return found.shard.describeGroup(groupId);
    });
  }

  async deleteGroups(groupIds: readonly string[]): Promise<DeleteGroupResult[]> {
    const byShard = new Map<Slot, string[]>();
    const results = new Map<string, DeleteGroupResult>();
    for (const groupId of groupIds) {
      const found = this.shardFor(groupId);
      if ('code' in found) {
        results.set(groupId, { groupId, errorCode: found.code, errorMessage: found.message });
        continue;
      }
      byShard.set(found.slot, [...(byShard.get(found.slot) ?? []), groupId]);
    }
    await Promise.all(
      [...byShard].map(async ([slot, ids]) => {
        const response = await this.call<{ results: DeleteGroupResult[] }>(slot, (shard, requestId, now) => shard.deleteGroups(now, requestId, ids));
        for (const r of response.results) results.set(r.groupId!, r);
      }),
    );
    return groupIds.map((groupId) => results.get(groupId)!);
  }

  // ------------------------------------------------------------------ plumbing

  /** The partition of the group (Kafka's toPositive(murmur2(groupId)) % partitions). */
  private partitionFor(groupId: string): number {
    const state = this.deps.replicas.state;
    const topicId = state?.topicIdsByName.get(GROUP_METADATA_TOPIC_NAME);
    const count = topicId === undefined ? undefined : state!.topicsById.get(topicId)?.partitions.size;
    return partitionForKey(groupId, count ?? this.deps.config.offsetsTopicNumPartitions);
  }

  private shardFor(groupId: string): { slot: Slot; shard: CoordinatorShard } | Failure {
    if (groupId === '') return { code: 'INVALID_GROUP_ID', message: 'The group id must not be empty.' };
    const slot = this.slots.get(this.partitionFor(groupId));
    if (slot === undefined) return { code: 'NOT_COORDINATOR', message: `Broker ${this.deps.config.nodeId} is not the coordinator of group ${groupId}.` };
    if (slot.shard === undefined) return { code: 'COORDINATOR_LOAD_IN_PROGRESS', message: `Broker ${this.deps.config.nodeId} is loading the groups of partition ${slot.partition}.` };
    return { slot, shard: slot.shard };
  }

  private route<T>(groupId: string, failed: (failure: Failure) => T, run: (shard: CoordinatorShard, requestId: number, now: number) => Effects): Promise<T> {
    const found = this.shardFor(groupId);
    if ('code' in found) return Promise.resolve(failed(found));
    return this.call<T>(found.slot, run);
  }

  private call<T>(slot: Slot, run: (shard: CoordinatorShard, requestId: number, now: number) => Effects): Promise<T> {
    return new Promise<T>((resolve) => {
      const requestId = this.nextRequestId++;
      this.waiting.set(requestId, resolve as (response: unknown) => void);
      this.apply(slot, run(slot.shard!, requestId, this.now()));
    });
  }

  private apply(slot: Slot, effects: Effects): void {
    for (const reply of effects.replies) {
      const resolve = this.waiting.get(reply.requestId);
      this.waiting.delete(reply.requestId);
      resolve?.(reply.response);
    }
    for (const write of effects.writes) this.append(slot, write);
    this.schedule(slot);
    for (const groupId of effects.changedGroups) this.wakeGroup(slot, groupId);
  }

  private append(slot: Slot, write: Write): void {
    const shard = slot.shard!;
    const complete = (failure: Failure | undefined) => this.apply(slot, shard.writeCompleted(this.now(), write.writeId, failure));
    if (this.slots.get(slot.partition) !== slot) {
      complete({ code: 'NOT_COORDINATOR', message: `Broker ${this.deps.config.nodeId} no longer leads ${GROUP_METADATA_TOPIC_NAME}-${slot.partition}.` });
      return;
    }
    let records: Buffer;
    try {
      records = encodeCoordinatorRecords(write.records, this.now());
    } catch (error) {
      complete({ code: 'UNKNOWN_SERVER_ERROR', message: toQuillError(error).message });
      return;
    }
    // produce() appends synchronously before its first await, so writes keep their order.
    this.deps.replicas.produce(GROUP_METADATA_TOPIC_NAME, slot.partition, records, -1, this.deps.config.offsetsCommitTimeoutMs).then(
      (result) => complete(result.error === undefined ? undefined : { code: result.error.code, message: result.error.message }),
      (error: unknown) => complete({ code: toQuillError(error).code, message: toQuillError(error).message }),
    );
  }

  /** One timer per shard, at its earliest deadline. */
  private schedule(slot: Slot): void {
    if (slot.timer !== undefined) clearTimeout(slot.timer);
    slot.timer = undefined;
    if (this.slots.get(slot.partition) !== slot || slot.shard === undefined) return;
    const deadline = slot.shard.nextDeadline();
    if (deadline === undefined) return;
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      if (this.slots.get(slot.partition) === slot) this.apply(slot, slot.shard!.tick(this.now()));
    }, Math.max(0, deadline - this.now()));
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
    const slot: Slot = { partition: change.partition, leaderEpoch: change.leaderEpoch, shard: undefined, timer: undefined };
    this.slots.set(change.partition, slot);
    this.load(slot).catch((error: unknown) => {
      this.deps.logger.error({ partition: change.partition, err: toQuillError(error).message }, 'loading groups failed; not coordinating this partition');
      if (this.slots.get(slot.partition) === slot) this.slots.delete(slot.partition);
    });
  }

  /**
   * Replays the partition from its log start to its log end as of now (not just the high
   * watermark: this leader's own tail becomes committed, and on a new leader the high watermark
   * may still lag writes the old leader acknowledged). Yields between chunks.
   */
  private async load(slot: Slot): Promise<void> {
    const started = this.now();
    const partition = this.deps.replicas.partition(GROUP_METADATA_TOPIC_NAME, slot.partition);
    if (partition === undefined) throw new Error(`${GROUP_METADATA_TOPIC_NAME}-${slot.partition} is not hosted here`);
    const shard = new CoordinatorShard(this.settings);
    const end = partition.log.logEndOffset;
    let offset = partition.log.logStartOffset;
    let count = 0;
    while (offset < end) {
      const { records } = partition.log.read(offset, { maxBytes: this.deps.config.offsetsLoadBufferSize, maxOffset: end });
      if (records.length === 0) break;
      const decoded = decodeCoordinatorRecords(records, offset);
      for (const { record } of decoded.records) shard.replay(record, this.now());
      count += decoded.records.length;
      offset = decoded.nextOffset;
      await yieldToEventLoop();
      if (this.slots.get(slot.partition) !== slot) return; // leadership moved meanwhile
    }
    shard.loaded(this.now());
    slot.shard = shard;
    this.schedule(slot);
    this.deps.logger.info({ partition: slot.partition, leaderEpoch: slot.leaderEpoch, records: count, ms: this.now() - started }, 'loaded groups');
  }

  private unload(partition: number): void {
    const slot = this.slots.get(partition);
    if (slot === undefined) return;
    this.slots.delete(partition);
    if (slot.timer !== undefined) clearTimeout(slot.timer);
    slot.timer = undefined;
    if (slot.shard !== undefined) this.apply(slot, slot.shard.unload());
    const notCoordinator = { code: 'NOT_COORDINATOR' as const, message: `Broker ${this.deps.config.nodeId} is no longer the coordinator of ${GROUP_METADATA_TOPIC_NAME}-${partition}.` };
    for (const heartbeat of this.parked.takePartition(partition)) heartbeat.payload.resolve({ error: notCoordinator });
    this.scheduleParked();
    this.deps.logger.info({ partition, leaderEpoch: slot.leaderEpoch }, 'unloaded groups');
  }
}
