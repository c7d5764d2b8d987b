import type {
  DescribedGroup,
  HeartbeatRequest__Output,
  JoinGroupRequest__Output,
  LeaveGroupRequest__Output,
  ListedGroup,
  OffsetCommitRequest__Output,
  OffsetFetchRequest__Output,
  OffsetFetchResponse,
  SyncGroupRequest__Output,
} from '@quill/proto';
import type { CoordinatorRecord } from './coordinator-record.js';
import { EffectsOutbox, type Effects, type WriteFailure } from './effects.js';
import type { Group, GroupState } from './group.js';
import { GroupMembership, type JoinContext, type MembershipLimits } from './group-membership.js';
import { GroupMetadataManager } from './group-metadata-manager.js';
import { describeGroup, listGroups } from './group-views.js';

/** The limits a shard enforces (named after Kafka's broker configs). */
export interface GroupCoordinatorSettings extends MembershipLimits {
  /** offset.metadata.max.bytes */
  offsetMetadataMaxBytes: number;
  /** offsets.retention.minutes, in ms: how long an Empty group's committed offsets are kept. */
  offsetsRetentionMs: number;
  /** offsets.retention.check.interval.ms: how often expired offsets are looked for. */
  offsetsRetentionCheckIntervalMs: number;
}

/**
 * The group coordinator for the groups of one __consumer_offsets partition, as a pure state
 * machine: the membership state machine and the group metadata manager over one outbox. Every
 * call takes `now` and returns its effects: the replies to send and the records to persist.
 * Timers are deadlines: the adapter calls `tick(now)` at `nextDeadline()`. State that must be
 * durable (offsets, a completed assignment) changes only when the adapter reports its write
 * replicated (`writeCompleted`).
 */
export class CoordinatorShard {
  private readonly outbox = new EffectsOutbox();
  private readonly metadata: GroupMetadataManager;
  private readonly membership: GroupMembership;
  /** When the next offset expiry check is due; set once loaded. */
  private nextExpiryCheck: number | undefined;

  constructor(private readonly settings: GroupCoordinatorSettings) {
    this.metadata = new GroupMetadataManager(this.outbox, settings.offsetMetadataMaxBytes);
    this.membership = new GroupMembership(settings, this.metadata, this.outbox);
  }

  /** Applies one record read back from the partition (load before serving). */
  replay(record: CoordinatorRecord, now: number): void {
    this.metadata.replay(record, now);
  }

  /** Ends a load: every loaded member gets a fresh session from now. */
  loaded(now: number): void {
    this.metadata.loaded(now);
    this.nextExpiryCheck = now + this.settings.offsetsRetentionCheckIntervalMs;
  }

  /** Stops serving (leadership moved): every waiting join and sync gets NOT_COORDINATOR. */
  unload(): Effects {
    this.membership.unload();
    return this.outbox.flush();
  }

  join(now: number, requestId: number, request: JoinGroupRequest__Output, context: JoinContext): Effects {
    this.membership.join(now, requestId, request, context);
    return this.outbox.flush();
  }

  sync(now: number, requestId: number, request: SyncGroupRequest__Output): Effects {
    this.membership.sync(now, requestId, request);
    return this.outbox.flush();
  }

  /** Holding a long-poll heartbeat (`maxWaitMs`) is the adapter's business; the shard answers at once. */
  heartbeat(now: number, requestId: number, request: Omit<HeartbeatRequest__Output, 'maxWaitMs'>): Effects {
    this.membership.heartbeat(now, requestId, request);
    return this.outbox.flush();
  }

  leave(now: number, requestId: number, request: LeaveGroupRequest__Output): Effects {
    this.membership.leave(now, requestId, request);
    return this.outbox.flush();
  }

  /** The earliest deadline of any group or member, or of the offset expiry check; undefined when nothing waits. */
  nextDeadline(): number | undefined {
    const membership = this.membership.nextDeadline();
    if (this.nextExpiryCheck === undefined) return membership;
    return membership === undefined ? this.nextExpiryCheck : Math.min(membership, this.nextExpiryCheck);
  }

  /** Fires every deadline at or before `now`: join/sync phases end, silent members are dropped, expired offsets go. */
  tick(now: number): Effects {
    this.membership.tick(now);
    if (this.nextExpiryCheck !== undefined && now >= this.nextExpiryCheck) {
      this.metadata.expireOffsets(now, this.settings.offsetsRetentionMs);
      this.nextExpiryCheck = now + this.settings.offsetsRetentionCheckIntervalMs;
    }
    return this.outbox.flush();
  }

  commitOffsets(now: number, requestId: number, request: OffsetCommitRequest__Output): Effects {
    this.membership.commitOffsets(now, requestId, request);
    return this.outbox.flush();
  }

  /** Committed offsets: those asked for (-1 where none), or every one the group has. */
  fetchOffsets(request: OffsetFetchRequest__Output): OffsetFetchResponse {
    return this.metadata.fetchOffsets(request);
  }

  groups(): IterableIterator<Group> {
    return this.metadata.all();
  }

  listGroups(statesFilter: readonly string[]): ListedGroup[] {
    return listGroups(this.metadata.all(), statesFilter);
  }

  /** Kafka's group summary: member metadata and assignments only in a Stable group. */
  describeGroup(groupId: string): DescribedGroup {
    return describeGroup(groupId, this.metadata.get(groupId));
  }

  /** Deletes empty groups with their offsets (tombstones); answered once the tombstones are durable. */
  deleteGroups(now: number, requestId: number, groupIds: readonly string[]): Effects {
    this.membership.deleteGroups(now, requestId, groupIds);
    return this.outbox.flush();
  }

  /** A member's session timeout, or undefined when it is not a member (for how long its heartbeat may be held). */
  sessionTimeoutOf(groupId: string, memberId: string): number | undefined {
    return this.membership.sessionTimeoutOf(groupId, memberId);
  }

  /** States of the groups, for tests and metrics. */
  groupState(groupId: string): GroupState | undefined {
    return this.membership.groupState(groupId);
  }

  /** The adapter's report that a write is replicated (error undefined) or failed. */
  writeCompleted(now: number, writeId: number, failure?: WriteFailure): Effects {
    this.outbox.completeWrite(now, writeId, failure);
    return this.outbox.flush();
  }
}
