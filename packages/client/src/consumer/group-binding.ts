import { QuillError } from '@quill/proto';
import { topicPartitionKey } from '../cluster/index.js';
import type { ClientContext } from '../context.js';
import { GroupMember, type GroupMemberEvent } from '../group/group-member.js';
import type { AssignmentListener, GroupSettings } from '../group/types.js';
import { backoffDelay } from '../retry/index.js';
import type { ConsumerEventBus } from './consumer-event-bus.js';
import type { HandlersInFlight } from './handlers-in-flight.js';
import { OffsetCommitter } from './offset-committer.js';
import type { SubscriptionState } from './subscription-state.js';
import { TopicSubscriptions } from './topic-subscriptions.js';
import { ConsumerEventNames, type TopicPartition, type TopicPartitionOffset } from './types.js';

/** What a group binding works with. */
export interface GroupBindingParts {
  context: ClientContext;
  settings: GroupSettings;
  /** The partitions read; the binding assigns and removes them as the group decides. */
  subscriptions: SubscriptionState;
  /** Handlers running now: a revoke waits for them, maxPollIntervalMs watches them. */
  inFlight: HandlersInFlight;
  events: ConsumerEventBus;
}

/**
 * Binds a consumer to its group: joins through a GroupMember (in the background, once per
 * connection), turns assignments into partitions to read from their committed offsets,
 * revokes partitions after their handlers finished and their offsets were committed, reports
 * the member's progress as consumer events and leaves the group. Owns the offset committer.
 */
export class GroupBinding {
  readonly committer: OffsetCommitter;
  private readonly topicSubscriptions = new TopicSubscriptions();
  private member: GroupMember | undefined;
  private memberLoop: Promise<void> | undefined;
  /** Stops the member's loop (on a crash) without disconnecting. */
  private memberStop: AbortController | undefined;

  constructor(private readonly parts: GroupBindingParts) {
    this.committer = new OffsetCommitter(parts.context, parts.settings.groupId, parts.subscriptions, () => this.member, parts.events);
  }

  get groupId(): string {
    return this.parts.settings.groupId;
  }

  /** True once topics were subscribed to. */
  get subscribed(): boolean {
    return !this.topicSubscriptions.isEmpty;
  }

  /** Adds topics (names or RegExps) to the subscription; a running member rejoins with it. */
  subscribe(topics: ReadonlyArray<string | RegExp>, fromBeginning: boolean): void {
    this.topicSubscriptions.add(topics, fromBeginning);
    this.member?.requestRejoin('subscription changed');
  }

  /**
   * Joins the group in the background unless already in it. `connection` ends the membership
   * with the connection; `onFatal` gets an error the member cannot recover from.
   */
  start(connection: AbortSignal, onFatal: (error: unknown) => void): void {
    if (this.member) return;
    const member = new GroupMember(this.parts.context, this.parts.settings, this.assignmentListener(), (event) => this.onMemberEvent(event));
    this.member = member;
    const stop = new AbortController();
    this.memberStop = stop;
    const signal = AbortSignal.any([connection, stop.signal]);
    this.memberLoop = member.run(signal).catch((error: unknown) => {
      if (signal.aborted) return;
      onFatal(error);
    });
  }

  /**
   * Ends the group membership: stops heartbeating, commits what was processed (with
   * autoCommit), sends LeaveGroup (not for static members) and forgets the partitions.
   */
  async leave(reason: string): Promise<void> {
    const member = this.member;
    if (!member) return;
    this.memberStop?.abort();
    await this.memberLoop;
    await this.committer.commitBeforeLeaving();
    if (this.member === member) this.member = undefined;
    await member.leave(reason);
    this.parts.subscriptions.assign([]);
    this.committer.clear();
  }

  /** What the group member calls on assignment changes. */
  private assignmentListener(): AssignmentListener {
    const { subscriptions, inFlight, events, settings } = this.parts;
    return {
      subscribedTopics: (signal) => this.subscribedTopics(signal),
      assigned: (partitions, signal) => this.onAssigned(partitions, signal),
      revoked: (partitions) => this.onRevoked(partitions),
      lost: async (partitions) => {
        subscriptions.remove(partitions);
        this.committer.forget(partitions);
        events.emit(ConsumerEventNames.PARTITIONS_LOST, { groupId: this.groupId, partitions });
      },
      pollOverdue: () => inFlight.overdue(settings.maxPollIntervalMs),
      tick: () => this.committer.autoCommitIfDue(),
    };
  }

  /** Subscribed names, and the cluster's (non-internal) topics that the subscribed RegExps match. */
  private async subscribedTopics(signal: AbortSignal): Promise<string[]> {
    if (!this.topicSubscriptions.hasPatterns) return this.topicSubscriptions.resolve([]);
    const metadata = await this.parts.context.cluster.requestMetadata(null);
    signal.throwIfAborted();
    return this.topicSubscriptions.resolve([...metadata.topics.values()].filter((t) => !t.isInternal).map((t) => t.name));
  }

  /** New partitions start at the group's committed offset, else at the subscription's end (fromBeginning). */
  private async onAssigned(partitions: TopicPartition[], signal: AbortSignal): Promise<void> {
    if (partitions.length === 0) return;
    const committed = await this.fetchCommittedWithRetry(partitions, signal);
    const start = partitions.map(({ topic, partition }): TopicPartitionOffset => {
      const offset = committed.get(topicPartitionKey(topic, partition)) ?? -1;
      return { topic, partition, offset: offset >= 0 ? offset : this.topicSubscriptions.fromBeginning(topic) ? 'earliest' : 'latest' };
    });
    this.committer.markCommitted(start.flatMap((p) => (typeof p.offset === 'number' ? [{ topic: p.topic, partition: p.partition, offset: p.offset }] : [])));
    this.parts.subscriptions.add(start);
    this.parts.events.emit(ConsumerEventNames.PARTITIONS_ASSIGNED, { groupId: this.groupId, partitions });
  }

  /** OffsetFetch, retried while the coordinator moves or loads (the partitions cannot be read without it). */
  private async fetchCommittedWithRetry(partitions: TopicPartition[], signal: AbortSignal): Promise<Map<string, number>> {
    const { context } = this.parts;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.member!.fetchCommitted(partitions, signal);
      } catch (error) {
        if (signal.aborted || !(error instanceof QuillError) || !error.retriable) throw error;
        const delayMs = backoffDelay(context.retry, attempt, context.random);
        context.logger.warn({ code: error.code, err: error.message, delayMs }, 'fetching committed offsets failed, retrying');
        await context.sleep(delayMs, signal);
      }
    }
  }

  /** Stops reading the partitions, waits for their handlers, commits what they processed, forgets them. */
  private async onRevoked(partitions: TopicPartition[]): Promise<void> {
    this.committer.startRevoke(partitions);
    this.parts.subscriptions.remove(partitions);
    await this.parts.inFlight.settled(partitions);
    await this.committer.finishRevoke(partitions);
    this.parts.events.emit(ConsumerEventNames.PARTITIONS_REVOKED, { groupId: this.groupId, partitions });
  }

  /** The member's progress as consumer events. */
  private onMemberEvent(event: GroupMemberEvent): void {
    const { groupId } = this;
    const { events } = this.parts;
    switch (event.type) {
      case 'rebalancing':
        events.emit(ConsumerEventNames.REBALANCING, { groupId, memberId: event.memberId, reason: event.reason });
        return;
      case 'joined': {
        const memberAssignment: Record<string, number[]> = {};
        for (const { topic, partition } of event.assignment) (memberAssignment[topic] ??= []).push(partition);
        events.emit(ConsumerEventNames.GROUP_JOIN, {
          groupId,
          memberId: event.memberId,
          leaderId: event.leaderId,
          isLeader: event.isLeader,
          generationId: event.generationId,
          groupProtocol: event.protocol,
          memberAssignment,
          durationMs: event.durationMs,
        });
        return;
      }
      case 'heartbeat':
        events.emit(ConsumerEventNames.HEARTBEAT, { groupId, memberId: event.memberId, groupGenerationId: event.generationId });
        return;
      case 'left':
        events.emit(ConsumerEventNames.GROUP_LEAVE, { groupId, memberId: event.memberId, reason: event.reason });
        return;
    }
  }
}
