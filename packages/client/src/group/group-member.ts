import { ErrorCode, QuillError, asQuillError, errorInfo } from '@quill/proto';
import { topicPartitionKey } from '../cluster/index.js';
import type { ClientContext } from '../context.js';
import type { TopicPartition } from '../topic-partition.js';
import { backoffDelay } from '../retry/index.js';
import type { AssignorMember, PartitionAssignor } from './assignors/index.js';
import {
  CONSUMER_PROTOCOL_TYPE,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
} from './consumer-protocol.js';
import { GroupCoordinator, responseErrorCode } from './coordinator.js';
import { Membership, groupErrorAction, type GroupErrorAction } from './membership.js';
import type { AssignmentListener, GroupSettings, TopicPartitionCommit } from './types.js';

/** Extra deadline on JoinGroup over the rebalance timeout, so the coordinator answers first (Kafka adds 5 s). */
const JOIN_DEADLINE_MARGIN_MS = 5_000;

/** What the driver reports, for the consumer's instrumentation events. */
export type GroupMemberEvent =
  | { type: 'rebalancing'; memberId: string; reason: string }
  | {
      type: 'joined';
      memberId: string;
      leaderId: string;
      isLeader: boolean;
      generationId: number;
      protocol: string;
      assignment: TopicPartition[];
      durationMs: number;
    }
  | { type: 'heartbeat'; memberId: string; generationId: number }
  | { type: 'left'; memberId: string; reason: string };

/**
 * Runs one consumer's membership in its group: finds the coordinator, joins, computes the
 * assignment when leader, syncs, heartbeats on its own timer and rejoins when told to. The
 * protocol decisions are Membership's; partitions are handed to the AssignmentListener.
 * Eager assignors revoke everything before a join; cooperative ones (KIP-429) revoke only
 * what moved, after the sync, and rejoin so it can be handed on.
 */
export class GroupMember {
  readonly membership: Membership;
  readonly coordinator: GroupCoordinator;
  /** The partitions this member owns (assigned and not revoked or lost). */
  private owned: TopicPartition[] = [];
  private failures = 0;
  private wake: (() => void) | undefined;
  private leftForPollTimeout = false;
  /** A rebalance was reported and has not completed yet. */
  private rebalancing = false;
  /** The subscribed topics and their partition counts as of the last join. */
  private joinedSubscription = '';
  private nextSubscriptionCheckMs = 0;
  /** When the last heartbeat was sent; the next goes out a heartbeat interval later at the earliest. */
  private lastHeartbeatSentMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly context: ClientContext,
    private readonly settings: GroupSettings,
    private readonly listener: AssignmentListener,
    private readonly report: (event: GroupMemberEvent) => void,
  ) {
    if (settings.assignors.length === 0) throw new RangeError('partitionAssigners must name at least one assignor');
    this.membership = new Membership();
    this.coordinator = new GroupCoordinator(context, settings.groupId);
  }

  /** The partitions this member owns now. */
  ownedPartitions(): TopicPartition[] {
    return [...this.owned];
  }

  /** Makes the member rejoin soon (after subscribe() changed the topics, for instance). */
  requestRejoin(reason: string): void {
    this.membership.requestRejoin(reason);
    this.interrupt();
  }

  /**
   * Keeps the member in the group until `signal` aborts: joins, then heartbeats every
   * heartbeatIntervalMs, rejoining whenever needed. Heartbeats are long polls: the coordinator
   * holds each up to heartbeatIntervalMs and answers early when the group rebalances, and the
   * next one goes out when the previous returns, so a rebalance is noticed within a round trip
   * at the same rate of calls (a coordinator that answers at once is called once per interval). Rejects only with a fatal error
   * (FENCED_INSTANCE_ID, INCONSISTENT_GROUP_PROTOCOL, ...); everything else is retried.
   */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        if (this.leftForPollTimeout) {
          if (this.listener.pollOverdue()) {
            await this.pause(this.settings.heartbeatIntervalMs, signal);
            continue;
          }
          this.leftForPollTimeout = false;
        }
        if (this.membership.phase !== 'stable' || this.membership.pendingRejoin !== undefined) {
          await this.joinGroup(signal);
        } else {
          await this.pause(this.lastHeartbeatSentMs + this.settings.heartbeatIntervalMs - this.context.now(), signal);
          if (signal.aborted) return;
          if (this.membership.pendingRejoin !== undefined) continue;
          if (this.listener.pollOverdue()) {
            await this.leaveForPollTimeout();
            continue;
          }
          await this.heartbeat(signal);
          await this.listener.tick();
          await this.checkSubscription(signal);
        }
        this.failures = 0;
      } catch (error) {
        if (signal.aborted) return;
        const failure = asQuillError(error);
        const action = groupErrorAction(failure.code);
        if (action === 'fatal') throw failure;
        if (action === 'find-coordinator') this.coordinator.forget(failure.code);
        const delayMs = backoffDelay(this.context.retry, this.failures++, this.context.random);
        this.context.logger.warn({ groupId: this.settings.groupId, code: failure.code, err: failure.message, delayMs }, 'group call failed, retrying');
        await this.pause(delayMs, signal);
      }
    }
  }

  /**
   * Leaves the group (LeaveGroup), as on a graceful shutdown, so the others rebalance at once
   * instead of after the session timeout. Static members do not leave: a restart within the
   * session timeout keeps their partitions without a rebalance (Kafka's behaviour).
   */
  async leave(reason: string): Promise<void> {
    const { memberId } = this.membership;
    this.owned = [];
    if (memberId === '' || this.settings.groupInstanceId !== undefined) return;
    try {
      const response = await this.coordinator.call(
        'LeaveGroup',
        { groupId: this.settings.groupId, members: [{ memberId, reason }] },
        { timeoutMs: this.context.requestTimeoutMs },
      );
      const code = responseErrorCode(response);
      if (code !== ErrorCode.NONE) this.context.logger.warn({ groupId: this.settings.groupId, code }, 'LeaveGroup failed');
    } catch (error) {
      this.context.logger.warn({ groupId: this.settings.groupId, err: String(error) }, 'LeaveGroup failed');
    }
    this.membership.left(reason);
    this.report({ type: 'left', memberId, reason });
  }

  /**
   * Commits offsets for this member's generation. Rejects with the first partition error
   * (REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID make the member rejoin).
   */
  async commit(offsets: readonly TopicPartitionCommit[], signal?: AbortSignal): Promise<void> {
    if (offsets.length === 0) return;
    const byTopic = new Map<string, Array<{ partition: number; committedOffset: number; committedLeaderEpoch: number }>>();
    for (const { topic, partition, offset } of offsets) {
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), { partition, committedOffset: offset, committedLeaderEpoch: -1 }]);
    }
    const { membership } = this;
    const response = await this.coordinator.call(
      'OffsetCommit',
      {
        groupId: this.settings.groupId,
        generationId: membership.generationId,
        memberId: membership.memberId,
        ...(this.settings.groupInstanceId !== undefined ? { groupInstanceId: this.settings.groupInstanceId } : {}),
        topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
      },
      { signal },
    );
    let code = responseErrorCode(response);
    let detail = response.error?.message ?? '';
    for (const topic of response.topics) {
      for (const p of topic.partitions) {
        const partitionCode = errorInfo(p.errorCode).name;
        if (partitionCode !== ErrorCode.NONE && code === ErrorCode.NONE) {
          code = partitionCode;
          detail = `${topic.name}-${p.partition}: ${p.errorMessage || partitionCode}`;
        }
      }
    }
    if (code === ErrorCode.NONE) return;
    const action = groupErrorAction(code);
    if (action === 'rejoin' || action === 'rejoin-as-new-member') this.onGenerationError(code);
    throw new QuillError(code, `committing offsets of group "${this.settings.groupId}": ${detail || code}`);
  }

  /** The group's committed offsets of these partitions (-1 where none is committed). */
  async fetchCommitted(partitions: readonly TopicPartition[], signal: AbortSignal): Promise<Map<string, number>> {
    const byTopic = new Map<string, number[]>();
    for (const { topic, partition } of partitions) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
    const response = await this.coordinator.call(
      'OffsetFetch',
      { groupId: this.settings.groupId, topics: [...byTopic].map(([topic, list]) => ({ topic, partitions: list })), requireStable: true },
      { signal },
    );
    const code = responseErrorCode(response);
    if (code !== ErrorCode.NONE) throw new QuillError(code, `OffsetFetch of group "${this.settings.groupId}": ${response.error?.message || code}`);
    const committed = new Map<string, number>();
    for (const topic of response.topics) {
      for (const p of topic.partitions) {
        const partitionCode = errorInfo(p.errorCode).name;
        if (partitionCode !== ErrorCode.NONE) throw new QuillError(partitionCode, `OffsetFetch ${topic.name}-${p.partition}: ${p.errorMessage || partitionCode}`);
        committed.set(topicPartitionKey(topic.name, p.partition), p.committedOffset);
      }
    }
    return committed;
  }

  private assignorFor(name: string): PartitionAssignor | undefined {
    return this.settings.assignors.find((a) => a.name === name);
  }

  /** The protocol of the generation we are in (or would join with): decides eager or cooperative. */
  private rebalanceProtocol(): 'eager' | 'cooperative' {
    const current = this.assignorFor(this.membership.protocolName) ?? this.settings.assignors[0]!;
    return current.rebalanceProtocol;
  }

  private async joinGroup(signal: AbortSignal): Promise<void> {
    const startedAt = this.context.now();
    const { membership, settings } = this;
    if (this.rebalanceProtocol() === 'eager' && this.owned.length > 0) {
      const revoked = this.owned;
      this.owned = [];
      await this.listener.revoked(revoked);
    }
    const topics = [...new Set(await this.listener.subscribedTopics(signal))].sort();
    this.joinedSubscription = await this.subscriptionFingerprint(topics, false);
    this.nextSubscriptionCheckMs = this.context.now() + settings.metadataMaxAgeMs;
    const metadata = encodeSubscription({
      topics,
      ownedPartitions: this.owned,
      generationId: membership.generationId,
      userData: Buffer.alloc(0),
    });
    const { memberId, reason } = membership.beginJoin();
    // One event per rebalance, however many JoinGroup attempts it takes (MEMBER_ID_REQUIRED, retries).
    if (!this.rebalancing) this.report({ type: 'rebalancing', memberId, reason });
    this.rebalancing = true;
    const joined = await this.coordinator.call(
      'JoinGroup',
      {
        groupId: settings.groupId,
        sessionTimeoutMs: settings.sessionTimeoutMs,
        rebalanceTimeoutMs: settings.rebalanceTimeoutMs,
        memberId,
        ...(settings.groupInstanceId !== undefined ? { groupInstanceId: settings.groupInstanceId } : {}),
        protocolType: CONSUMER_PROTOCOL_TYPE,
        protocols: settings.assignors.map((a) => ({ name: a.name, metadata })),
        reason,
      },
      { signal, timeoutMs: settings.rebalanceTimeoutMs + JOIN_DEADLINE_MARGIN_MS },
    ).catch((error: unknown) => {
      // The join never reached an answer: start it over (after the caller's backoff).
      if (membership.phase === 'joining') membership.interrupted(`JoinGroup failed: ${String(error)}`);
      throw error;
    });
    const joinCode = responseErrorCode(joined);
    const outcome = membership.onJoinResult({
      errorCode: joinCode,
      memberId: joined.memberId,
      generationId: joined.generationId,
      leader: joined.leader,
      protocolName: joined.protocolName,
    });
    if (outcome.kind === 'join-again') return;
    if (outcome.kind === 'failed') return this.failed(joinCode, joined.error?.message, outcome.action);

    // A static leader that restarted gets skipAssignment: the group keeps the assignment it has.
    const assignments =
      outcome.isLeader && !joined.skipAssignment ? await this.computeAssignment(joined.protocolName, joined.members, signal) : [];
    const synced = await this.coordinator.call(
      'SyncGroup',
      {
        groupId: settings.groupId,
        generationId: membership.generationId,
        memberId: membership.memberId,
        ...(settings.groupInstanceId !== undefined ? { groupInstanceId: settings.groupInstanceId } : {}),
        protocolType: CONSUMER_PROTOCOL_TYPE,
        protocolName: joined.protocolName,
        assignments,
      },
      { signal, timeoutMs: settings.rebalanceTimeoutMs + JOIN_DEADLINE_MARGIN_MS },
    ).catch((error: unknown) => {
      if (membership.phase === 'syncing') membership.interrupted(`SyncGroup failed: ${String(error)}`);
      throw error;
    });
    const syncCode = responseErrorCode(synced);
    const syncOutcome = membership.onSyncResult(syncCode);
    if (syncOutcome.kind === 'failed') return this.failed(syncCode, synced.error?.message, syncOutcome.action);

    const assignment = decodeAssignment(synced.assignment).partitions;
    const next = new Set(assignment.map((tp) => topicPartitionKey(tp.topic, tp.partition)));
    const had = new Set(this.owned.map((tp) => topicPartitionKey(tp.topic, tp.partition)));
    const revoked = this.owned.filter((tp) => !next.has(topicPartitionKey(tp.topic, tp.partition)));
    const added = assignment.filter((tp) => !had.has(topicPartitionKey(tp.topic, tp.partition)));
    if (revoked.length > 0) {
      this.owned = this.owned.filter((tp) => next.has(topicPartitionKey(tp.topic, tp.partition)));
      await this.listener.revoked(revoked);
      // KIP-429: what we gave up is assigned to its new owner in the next generation.
      membership.requestRejoin('partitions revoked');
    }
    this.owned = assignment;
    this.rebalancing = false;
    // The first heartbeat of a generation goes out at once, so a rebalance is heard of from the start.
    this.lastHeartbeatSentMs = Number.NEGATIVE_INFINITY;
    await this.listener.assigned(added, signal);
    this.report({
      type: 'joined',
      memberId: membership.memberId,
      leaderId: membership.leaderId,
      isLeader: membership.isLeader,
      generationId: membership.generationId,
      protocol: joined.protocolName,
      assignment,
      durationMs: this.context.now() - startedAt,
    });
    this.context.logger.info(
      {
        groupId: settings.groupId,
        memberId: membership.memberId,
        generationId: membership.generationId,
        leader: membership.isLeader,
        assigned: assignment.length,
        added: added.length,
        revoked: revoked.length,
      },
      'joined the group',
    );
  }

  /** The leader's job: decode every member's subscription and run the chosen assignor. */
  private async computeAssignment(
    protocolName: string,
    members: ReadonlyArray<{ memberId: string; groupInstanceId?: string | null | undefined; metadata: Buffer }>,
    signal: AbortSignal,
  ): Promise<Array<{ memberId: string; assignment: Buffer }>> {
    const assignor = this.assignorFor(protocolName);
    if (!assignor) throw new QuillError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `the group chose assignor "${protocolName}", which this consumer lacks`);
    const decoded: AssignorMember[] = members.map((m) => {
      const subscription = decodeSubscription(m.metadata);
      return {
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId ?? undefined,
        topics: subscription.topics,
        ownedPartitions: subscription.ownedPartitions,
        generationId: subscription.generationId,
      };
    });
    const { cluster } = this.context;
    const topics = [...new Set(decoded.flatMap((m) => m.topics))];
    await cluster.addTargetTopics(topics);
    signal.throwIfAborted();
    await cluster.refreshMetadataIfNecessary();
    const partitionsPerTopic = new Map<string, number>();
    for (const topic of topics) {
      try {
        partitionsPerTopic.set(topic, cluster.partitionsFor(topic).length);
      } catch (error) {
        // A subscribed topic that does not exist (yet) gets no partitions; the others are still assigned.
        this.context.logger.warn({ topic, err: String(error) }, 'subscribed topic not in the metadata');
      }
    }
    const result = assignor.assign({ members: decoded, partitionsPerTopic });
    return decoded.map((m) => ({
      memberId: m.memberId,
      assignment: encodeAssignment({ partitions: result.get(m.memberId) ?? [], userData: Buffer.alloc(0) }),
    }));
  }

  /** Rejoins when the subscription resolves differently now: a new topic matches, partitions were added. */
  private async checkSubscription(signal: AbortSignal): Promise<void> {
    if (this.context.now() < this.nextSubscriptionCheckMs) return;
    this.nextSubscriptionCheckMs = this.context.now() + this.settings.metadataMaxAgeMs;
    const topics = [...new Set(await this.listener.subscribedTopics(signal))].sort();
    const current = await this.subscriptionFingerprint(topics, true);
    if (current !== this.joinedSubscription) {
      this.context.logger.info({ groupId: this.settings.groupId, was: this.joinedSubscription, now: current }, 'subscribed topics changed: rejoining');
      this.membership.requestRejoin('subscription metadata changed');
    }
  }

  /** `topic:partitions,...` of the subscribed topics (0 partitions for a topic not in the metadata). */
  private async subscriptionFingerprint(topics: readonly string[], refresh: boolean): Promise<string> {
    const { cluster } = this.context;
    await cluster.addTargetTopics(topics);
    if (refresh) await cluster.refreshMetadata();
    else await cluster.refreshMetadataIfNecessary();
    return topics
      .map((topic) => {
        try {
          return `${topic}:${cluster.partitionsFor(topic).length}`;
        } catch {
          return `${topic}:0`;
        }
      })
      .join(',');
  }

  /**
   * One heartbeat, held by the coordinator up to heartbeatIntervalMs unless the group changes.
   * A rejoin asked for meanwhile (interrupt) abandons it.
   */
  private async heartbeat(signal: AbortSignal): Promise<void> {
    const { membership } = this;
    const maxWaitMs = this.settings.heartbeatIntervalMs;
    const interrupted = new AbortController();
    this.wake = () => interrupted.abort();
    this.lastHeartbeatSentMs = this.context.now();
    let response;
    try {
      response = await this.coordinator.call(
        'Heartbeat',
        {
          groupId: this.settings.groupId,
          generationId: membership.generationId,
          memberId: membership.memberId,
          ...(this.settings.groupInstanceId !== undefined ? { groupInstanceId: this.settings.groupInstanceId } : {}),
          maxWaitMs,
        },
        // The coordinator may hold it for maxWaitMs before it even starts to answer.
        { signal: AbortSignal.any([signal, interrupted.signal]), timeoutMs: Math.min(this.context.requestTimeoutMs, this.settings.sessionTimeoutMs) + maxWaitMs },
      );
    } catch (error) {
      if (interrupted.signal.aborted && !signal.aborted) return;
      throw error;
    } finally {
      this.wake = undefined;
    }
    const code = responseErrorCode(response);
    if (code === ErrorCode.NONE) {
      this.report({ type: 'heartbeat', memberId: membership.memberId, generationId: membership.generationId });
      return;
    }
    const action = membership.onHeartbeatResult(code);
    if (action === 'ok') return;
    await this.failed(code, response.error?.message, action);
  }

  /** Acts on a failed join, sync or heartbeat: partitions lost with the generation are dropped; retriable ones throw for the backoff. */
  private async failed(code: ErrorCode, message: string | undefined, action: GroupErrorAction): Promise<void> {
    if (action === 'rejoin' || action === 'rejoin-as-new-member') {
      this.context.logger.info({ groupId: this.settings.groupId, code }, 'rejoining the group');
      await this.onGenerationErrorAsync(code);
      return;
    }
    throw new QuillError(code, `group "${this.settings.groupId}": ${message || code}`);
  }

  private onGenerationError(code: ErrorCode): void {
    void this.onGenerationErrorAsync(code).catch((error: unknown) =>
      this.context.logger.error({ err: String(error) }, 'dropping lost partitions failed'),
    );
    this.interrupt();
  }

  /** REBALANCE_IN_PROGRESS keeps the partitions until the join; a lost generation or member id loses them. */
  private async onGenerationErrorAsync(code: ErrorCode): Promise<void> {
    this.membership.requestRejoin(code);
    if (code === ErrorCode.REBALANCE_IN_PROGRESS || this.owned.length === 0) return;
    const lost = this.owned;
    this.owned = [];
    await this.listener.lost(lost);
  }

  private async leaveForPollTimeout(): Promise<void> {
    this.context.logger.warn(
      { groupId: this.settings.groupId, maxPollIntervalMs: this.settings.maxPollIntervalMs },
      'a handler held a message longer than maxPollIntervalMs: leaving the group',
    );
    const lost = this.owned;
    await this.leave('maxPollIntervalMs exceeded');
    if (this.settings.groupInstanceId !== undefined) this.membership.left('maxPollIntervalMs exceeded');
    this.leftForPollTimeout = true;
    await this.listener.lost(lost);
  }

  /** Waits `ms`, or less when interrupted (a rejoin was asked for) or aborted. */
  private async pause(ms: number, signal: AbortSignal): Promise<void> {
    if (ms <= 0) return;
    const timer = new AbortController();
    const onAbort = (): void => timer.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    this.wake = () => timer.abort();
    try {
      await this.context.sleep(ms, timer.signal).catch(() => undefined);
    } finally {
      this.wake = undefined;
      signal.removeEventListener('abort', onAbort);
    }
  }

  private interrupt(): void {
    this.wake?.();
  }
}
