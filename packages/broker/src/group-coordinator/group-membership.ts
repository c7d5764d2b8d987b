import type {
  DeleteGroupResult,
  ErrorCode,
  HeartbeatRequest__Output,
  JoinGroupRequest__Output,
  LeaveGroupMemberResult,
  LeaveGroupRequest__Output,
  OffsetCommitRequest__Output,
  SyncGroupRequest__Output,
} from '@quill/proto';
import type { EffectsOutbox } from './effects.js';
import { Group, type GroupMember, type GroupProtocol, type GroupState } from './group.js';
import { groupWriteError, type GroupMetadataManager } from './group-metadata-manager.js';

/** The limits membership enforces (named after Kafka's broker configs). */
export interface MembershipLimits {
  /** group.min.session.timeout.ms */
  minSessionTimeoutMs: number;
  /** group.max.session.timeout.ms */
  maxSessionTimeoutMs: number;
  /** group.initial.rebalance.delay.ms */
  initialRebalanceDelayMs: number;
  /** group.max.size: members (and member ids handed out) per group. */
  groupMaxSize: number;
}

/** Who sent a request, for DescribeGroups, and the member id a new member would get. */
export interface JoinContext {
  clientId: string;
  clientHost: string;
  /** A fresh member id (the adapter makes it: `${clientId}-${uuid}`, as Kafka does). */
  newMemberId: string;
}

const error = (code: ErrorCode, message: string) => ({ code, message });
const NO_ERROR = null;

/**
 * The group state machine of one __consumer_offsets partition (Kafka's GroupCoordinator):
 * join, sync, heartbeat and leave, rebalances, session and rebalance timeouts, and the
 * membership checks of a commit. Pure: every call takes `now`; replies and writes go to the
 * outbox, groups and their durable records to the metadata manager. Timers are deadlines:
 * `tick(now)` fires those due, `nextDeadline()` says when the next one is.
 */
export class GroupMembership {
  constructor(
    private readonly settings: MembershipLimits,
    private readonly metadata: GroupMetadataManager,
    private readonly outbox: EffectsOutbox,
  ) {}

  /** Stops serving (leadership moved): every waiting join and sync gets NOT_COORDINATOR. */
  unload(): void {
    for (const group of this.metadata.all()) {
      for (const member of group.members.values()) {
        const notCoordinator = error('NOT_COORDINATOR', `This broker is no longer the coordinator of group ${group.groupId}.`);
        if (member.awaitingJoin !== undefined) this.outbox.reply(member.awaitingJoin, { error: notCoordinator, memberId: member.memberId });
        if (member.awaitingSync !== undefined) this.outbox.reply(member.awaitingSync, { error: notCoordinator });
        member.awaitingJoin = member.awaitingSync = undefined;
      }
    }
    this.metadata.clear();
  }

  // ------------------------------------------------------------------ membership

  join(now: number, requestId: number, request: JoinGroupRequest__Output, context: JoinContext): void {
    const groupInstanceId = instanceIdOf(request.groupInstanceId);
    const fail = (code: ErrorCode, message: string): void => {
      this.outbox.reply(requestId, { error: error(code, message), memberId: request.memberId });
    };
    if (request.groupId === '') return fail('INVALID_GROUP_ID', 'The group id must not be empty.');
    if (request.sessionTimeoutMs < this.settings.minSessionTimeoutMs || request.sessionTimeoutMs > this.settings.maxSessionTimeoutMs) {
      return fail(
        'INVALID_SESSION_TIMEOUT',
        `Session timeout ${request.sessionTimeoutMs} ms is outside [${this.settings.minSessionTimeoutMs}, ${this.settings.maxSessionTimeoutMs}] (group.min/max.session.timeout.ms).`,
      );
    }
    let group = this.metadata.get(request.groupId);
    if (group === undefined) {
      if (request.memberId !== '') return fail('UNKNOWN_MEMBER_ID', `Group ${request.groupId} does not exist, so member ${request.memberId} is unknown.`);
      group = this.metadata.getOrCreate(request.groupId, now);
    }
    const known = group.members.has(request.memberId) || group.pendingMembers.has(request.memberId);
    const staticKnown = groupInstanceId !== undefined && group.staticMembers.has(groupInstanceId);
    if (!known && !staticKnown && group.members.size + group.pendingMembers.size >= this.settings.groupMaxSize) {
      return fail('GROUP_MAX_SIZE_REACHED', `Group ${request.groupId} has reached group.max.size (${this.settings.groupMaxSize}).`);
    }
    if (group.is('Dead')) return fail('COORDINATOR_NOT_AVAILABLE', `Group ${request.groupId} is being removed; find the coordinator again.`);
    const protocols = request.protocols.map((p) => ({ name: p.name, metadata: p.metadata }));
    if (!group.supportsProtocols(request.protocolType, protocols)) {
      this.metadata.dropIfUnused(group);
      return fail('INCONSISTENT_GROUP_PROTOCOL', `The protocol type or protocols of the member do not match those of group ${request.groupId}.`);
    }
    // JoinGroup v0 had no rebalance timeout: Kafka then uses the session timeout.
    const rebalanceTimeoutMs = request.rebalanceTimeoutMs > 0 ? request.rebalanceTimeoutMs : request.sessionTimeoutMs;
    const input = { ...request, groupInstanceId, protocols, rebalanceTimeoutMs };
    if (request.memberId === '') this.newMemberJoin(now, requestId, group, input, context);
    else this.currentMemberJoin(now, requestId, group, input, context);
  }

  private newMemberJoin(now: number, requestId: number, group: Group, request: JoinInput, context: JoinContext): void {
    const memberId = context.newMemberId;
    if (request.groupInstanceId !== undefined) {
      const existing = group.staticMembers.get(request.groupInstanceId);
      if (existing === undefined) this.addMemberAndRebalance(now, requestId, group, memberId, request, context);
      else this.replaceStaticMember(now, requestId, group, existing, memberId, request);
      return;
    }
    // KIP-394: the member id is handed out first; the member must come back with it.
    group.pendingMembers.set(memberId, now + request.sessionTimeoutMs);
    this.outbox.reply(requestId, { error: error('MEMBER_ID_REQUIRED', 'Rejoin with the member id in this response.'), memberId, generationId: -1 });
  }

  private currentMemberJoin(now: number, requestId: number, group: Group, request: JoinInput, context: JoinContext): void {
    const memberId = request.memberId;
    if (group.pendingMembers.has(memberId)) {
      this.addMemberAndRebalance(now, requestId, group, memberId, request, context);
      return;
    }
    if (group.isStaticMemberFenced(request.groupInstanceId, memberId)) {
      this.outbox.reply(requestId, { error: error('FENCED_INSTANCE_ID', `Instance ${request.groupInstanceId} now belongs to another member id.`), memberId });
      return;
    }
    const member = group.members.get(memberId);
    if (member === undefined) {
      this.outbox.reply(requestId, { error: error('UNKNOWN_MEMBER_ID', `Member ${memberId} is not in group ${group.groupId}.`), memberId });
      return;
    }
    switch (group.state) {
      case 'PreparingRebalance':
        this.updateMemberAndRebalance(now, requestId, group, member, request);
        return;
      case 'CompletingRebalance':
        if (Group.sameProtocols(member.protocols, request.protocols)) this.replyJoin(requestId, group, member, false);
        else this.updateMemberAndRebalance(now, requestId, group, member, request);
        return;
      case 'Stable':
        // The leader rejoining means its view (say, the subscribed topics) changed.
        if (group.isLeader(memberId) || !Group.sameProtocols(member.protocols, request.protocols)) {
          this.updateMemberAndRebalance(now, requestId, group, member, request);
        } else {
          this.replyJoin(requestId, group, member, false);
        }
        return;
      case 'Empty':
      case 'Dead':
        this.outbox.reply(requestId, { error: error('UNKNOWN_MEMBER_ID', `Member ${memberId} is not in group ${group.groupId}.`), memberId });
    }
  }

  private addMemberAndRebalance(now: number, requestId: number, group: Group, memberId: string, request: JoinInput, context: JoinContext): void {
    group.pendingMembers.delete(memberId);
    group.add({
      memberId,
      groupInstanceId: request.groupInstanceId,
      clientId: context.clientId,
      clientHost: context.clientHost,
      sessionTimeoutMs: request.sessionTimeoutMs,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs,
      protocolType: request.protocolType,
      protocols: request.protocols,
      assignment: Buffer.alloc(0),
      awaitingJoin: requestId,
      awaitingSync: undefined,
      heartbeatDeadline: now + request.sessionTimeoutMs,
    });
    if (group.is('PreparingRebalance') && group.initialDelayRemainingMs !== undefined) group.newMemberAdded = true;
    this.maybePrepareRebalance(now, group);
    this.tryCompleteJoin(now, group);
  }

  private updateMemberAndRebalance(now: number, requestId: number, group: Group, member: GroupMember, request: JoinInput): void {
    this.setAwaitingJoin(member, requestId);
    member.protocols = request.protocols;
    member.sessionTimeoutMs = request.sessionTimeoutMs;
    member.rebalanceTimeoutMs = request.rebalanceTimeoutMs;
    this.maybePrepareRebalance(now, group);
    this.tryCompleteJoin(now, group);
  }

  /**
   * KIP-345: a static member restarted (new member id, same instance id). Its old id is fenced;
   * in a Stable group whose protocol would not change it keeps its assignment and the group
   * does not rebalance: the join is answered at the current generation once persisted.
   */
  private replaceStaticMember(now: number, requestId: number, group: Group, oldMemberId: string, newMemberId: string, request: JoinInput): void {
    const member = group.members.get(oldMemberId)!;
    const fenced = error('FENCED_INSTANCE_ID', `A newer member with instance id ${request.groupInstanceId} joined.`);
    if (member.awaitingJoin !== undefined) this.outbox.reply(member.awaitingJoin, { error: fenced, memberId: oldMemberId });
    if (member.awaitingSync !== undefined) this.outbox.reply(member.awaitingSync, { error: fenced });
    member.awaitingJoin = member.awaitingSync = undefined;
    const previous = { protocols: member.protocols, sessionTimeoutMs: member.sessionTimeoutMs, rebalanceTimeoutMs: member.rebalanceTimeoutMs };
    group.replaceStaticMember(request.groupInstanceId!, oldMemberId, newMemberId);
    this.changed(group); // the old member id is fenced now
    member.protocols = request.protocols;
    member.sessionTimeoutMs = request.sessionTimeoutMs;
    member.rebalanceTimeoutMs = request.rebalanceTimeoutMs;
    member.heartbeatDeadline = now + member.sessionTimeoutMs;
    switch (group.state) {
      case 'Stable': {
        if (group.selectProtocol() !== group.protocolName) {
          this.updateMemberAndRebalance(now, requestId, group, member, request);
          return;
        }
        const generationId = group.generationId;
        member.awaitingJoin = requestId;
        this.metadata.storeGroup(group, now, (at, failure) => {
          if (member.awaitingJoin !== requestId) return; // fenced again meanwhile: already answered
          member.awaitingJoin = undefined;
          if (failure !== undefined || group.generationId !== generationId || !this.metadata.holds(group)) {
            if (group.members.get(newMemberId) === member && group.staticMembers.get(request.groupInstanceId!) === newMemberId) {
              group.replaceStaticMember(request.groupInstanceId!, newMemberId, oldMemberId);
              Object.assign(member, previous);
            }
            const code = failure === undefined ? 'REBALANCE_IN_PROGRESS' : groupWriteError(failure.code);
            this.outbox.reply(requestId, { error: error(code, failure?.message ?? 'The group changed while the member was being replaced.'), memberId: newMemberId });
            return;
          }
          member.heartbeatDeadline = at + member.sessionTimeoutMs;
          this.replyJoin(requestId, group, member, group.isLeader(newMemberId));
        });
        return;
      }
      case 'CompletingRebalance':
        this.updateMemberAndRebalance(now, requestId, group, member, request);
        return;
      case 'PreparingRebalance':
        this.setAwaitingJoin(member, requestId);
        this.tryCompleteJoin(now, group);
        return;
      case 'Empty':
      case 'Dead':
        throw new Error(`group ${group.groupId}: a static member is known in state ${group.state}`);
    }
  }

  private setAwaitingJoin(member: GroupMember, requestId: number): void {
    if (member.awaitingJoin !== undefined && member.awaitingJoin !== requestId) {
      this.outbox.reply(member.awaitingJoin, { error: error('REBALANCE_IN_PROGRESS', 'A newer JoinGroup of this member replaced this one.'), memberId: member.memberId });
    }
    member.awaitingJoin = requestId;
  }

  private replyJoin(requestId: number, group: Group, member: GroupMember, skipAssignment: boolean): void {
    const leader = group.isLeader(member.memberId);
    this.outbox.reply(requestId, {
      error: NO_ERROR,
      generationId: group.generationId,
      protocolType: group.protocolType ?? '',
      protocolName: group.protocolName ?? '',
      leader: group.leaderId ?? '',
      skipAssignment,
      memberId: member.memberId,
      members: leader
        ? [...group.members.values()].map((m) => ({
            memberId: m.memberId,
            ...(m.groupInstanceId === undefined ? {} : { groupInstanceId: m.groupInstanceId }),
            metadata: group.metadataOf(m),
          }))
        : [],
    });
  }

  private maybePrepareRebalance(now: number, group: Group): void {
    if (group.is('Stable') || group.is('CompletingRebalance') || group.is('Empty')) this.prepareRebalance(now, group);
  }

  private prepareRebalance(now: number, group: Group): void {
    if (group.is('CompletingRebalance')) {
      for (const member of group.members.values()) {
        member.assignment = Buffer.alloc(0);
        if (member.awaitingSync !== undefined) {
          this.outbox.reply(member.awaitingSync, { error: error('REBALANCE_IN_PROGRESS', `Group ${group.groupId} is rebalancing again; rejoin.`) });
          member.awaitingSync = undefined;
        }
      }
    }
    group.pendingSync.clear();
    group.syncDeadline = undefined;
    const rebalanceTimeoutMs = group.rebalanceTimeoutMs;
    if (group.is('Empty')) {
      // A group starting from empty waits a little for more members, so the first generation
      // is not followed at once by another (Kafka's InitialDelayedJoin).
      const delay = Math.min(this.settings.initialRebalanceDelayMs, rebalanceTimeoutMs);
      group.joinDeadline = now + delay;
      group.initialDelayRemainingMs = Math.max(rebalanceTimeoutMs - delay, 0);
      group.newMemberAdded = false;
    } else {
      group.joinDeadline = now + rebalanceTimeoutMs;
      group.initialDelayRemainingMs = undefined;
    }
    this.transition(group, 'PreparingRebalance', now);
  }

  private tryCompleteJoin(now: number, group: Group): void {
    if (group.is('PreparingRebalance') && group.initialDelayRemainingMs === undefined && group.allMembersJoined) this.completeJoin(now, group);
  }

  /** The join phase is over (everyone rejoined, or time ran out): start the next generation. */
  private completeJoin(now: number, group: Group): void {
    group.joinDeadline = undefined;
    group.initialDelayRemainingMs = undefined;
    group.newMemberAdded = false;
    // Dynamic members that did not rejoin in time are out; static ones keep their place.
    for (const member of [...group.members.values()]) {
      if (member.awaitingJoin === undefined && member.groupInstanceId === undefined) group.remove(member.memberId);
    }
    const leader = group.leaderId === undefined ? undefined : group.members.get(group.leaderId);
    if (leader?.awaitingJoin === undefined) {
      const joined = [...group.members.values()].find((m) => m.awaitingJoin !== undefined);
      if (joined !== undefined) group.leaderId = joined.memberId;
    }
    group.generationId += 1;
    if (group.members.size === 0) {
      group.protocolName = undefined;
      group.leaderId = undefined;
      this.transition(group, 'Empty', now);
      this.metadata.storeGroup(group, now, () => undefined);
      this.metadata.dropIfUnused(group);
      return;
    }
    group.protocolName = group.selectProtocol();
    this.transition(group, 'CompletingRebalance', now);
    for (const member of group.members.values()) {
      if (member.awaitingJoin === undefined) continue;
      const requestId = member.awaitingJoin;
      member.awaitingJoin = undefined;
      member.heartbeatDeadline = now + member.sessionTimeoutMs;
      this.replyJoin(requestId, group, member, false);
    }
    for (const memberId of group.members.keys()) group.pendingSync.add(memberId);
    group.syncDeadline = now + group.rebalanceTimeoutMs;
  }

  sync(now: number, requestId: number, request: SyncGroupRequest__Output): void {
    const group = this.metadata.get(request.groupId);
    const fail = (code: ErrorCode, message: string): void => {
      this.outbox.reply(requestId, { error: error(code, message) });
    };
    const checked = this.checkMember(group, request.groupId, request.memberId, instanceIdOf(request.groupInstanceId), request.generationId);
    if (checked !== undefined) return fail(checked.code, checked.message);
    const g = group!;
    if ((request.protocolType !== '' && request.protocolType !== g.protocolType) || (request.protocolName !== '' && request.protocolName !== g.protocolName)) {
      return fail('INCONSISTENT_GROUP_PROTOCOL', `Group ${g.groupId} uses ${g.protocolType}/${g.protocolName}.`);
    }
    const member = g.members.get(request.memberId)!;
    switch (g.state) {
      case 'PreparingRebalance':
        return fail('REBALANCE_IN_PROGRESS', `Group ${g.groupId} is rebalancing; rejoin.`);
      case 'Stable':
        g.pendingSync.delete(member.memberId);
        member.heartbeatDeadline = now + member.sessionTimeoutMs;
        this.outbox.reply(requestId, { error: NO_ERROR, protocolType: g.protocolType ?? '', protocolName: g.protocolName ?? '', assignment: member.assignment });
        return;
      case 'CompletingRebalance':
        break;
      case 'Empty':
      case 'Dead':
        return fail('UNKNOWN_MEMBER_ID', `Member ${request.memberId} is not in group ${g.groupId}.`);
    }
    if (member.awaitingSync !== undefined) this.outbox.reply(member.awaitingSync, { error: error('REBALANCE_IN_PROGRESS', 'A newer SyncGroup of this member replaced this one.') });
    member.awaitingSync = requestId;
    g.pendingSync.delete(member.memberId);
    if (g.isLeader(member.memberId)) {
      const assignments = new Map(request.assignments.map((a) => [a.memberId, a.assignment]));
      const generationId = g.generationId;
      this.metadata.storeGroup(g, now, (at, failure) => {
        if (!this.metadata.holds(g) || g.generationId !== generationId || !g.is('CompletingRebalance')) return;
        if (failure !== undefined) {
          const code = groupWriteError(failure.code);
          for (const m of g.members.values()) {
            m.assignment = Buffer.alloc(0);
            if (m.awaitingSync !== undefined) this.outbox.reply(m.awaitingSync, { error: error(code, failure.message) });
            m.awaitingSync = undefined;
          }
          this.prepareRebalance(at, g);
          return;
        }
        for (const m of g.members.values()) {
          m.assignment = assignments.get(m.memberId) ?? Buffer.alloc(0);
          if (m.awaitingSync !== undefined) {
            this.outbox.reply(m.awaitingSync, { error: NO_ERROR, protocolType: g.protocolType ?? '', protocolName: g.protocolName ?? '', assignment: m.assignment });
            m.awaitingSync = undefined;
            m.heartbeatDeadline = at + m.sessionTimeoutMs;
          }
        }
        this.transition(g, 'Stable', at);
      }, assignments);
    }
  }

  /** Holding a long-poll heartbeat (`maxWaitMs`) is the adapter's business; the shard answers at once. */
  heartbeat(now: number, requestId: number, request: Omit<HeartbeatRequest__Output, 'maxWaitMs'>): void {
    const group = this.metadata.get(request.groupId);
    const checked = this.checkMember(group, request.groupId, request.memberId, instanceIdOf(request.groupInstanceId), request.generationId);
    if (checked !== undefined) {
      this.outbox.reply(requestId, { error: checked });
      return;
    }
    const member = group!.members.get(request.memberId)!;
    member.heartbeatDeadline = now + member.sessionTimeoutMs;
    const rebalancing = group!.is('PreparingRebalance');
    this.outbox.reply(requestId, { error: rebalancing ? error('REBALANCE_IN_PROGRESS', `Group ${group!.groupId} is rebalancing; rejoin.`) : NO_ERROR });
  }

  /** The checks Heartbeat and SyncGroup share, in Kafka's order. */
  private checkMember(group: Group | undefined, groupId: string, memberId: string, groupInstanceId: string | undefined, generationId: number) {
    if (group === undefined) return error('UNKNOWN_MEMBER_ID', `Group ${groupId} does not exist here.`);
    if (group.is('Dead')) return error('COORDINATOR_NOT_AVAILABLE', `Group ${groupId} is being removed; find the coordinator again.`);
    if (group.isStaticMemberFenced(groupInstanceId, memberId)) return error('FENCED_INSTANCE_ID', `Instance ${groupInstanceId} now belongs to another member id.`);
    if (!group.members.has(memberId)) return error('UNKNOWN_MEMBER_ID', `Member ${memberId} is not in group ${groupId}.`);
    if (generationId !== group.generationId) return error('ILLEGAL_GENERATION', `Generation ${generationId} is not the current generation ${group.generationId} of group ${groupId}.`);
    if (group.is('Empty')) return error('UNKNOWN_MEMBER_ID', `Group ${groupId} is empty.`);
    return undefined;
  }

  leave(now: number, requestId: number, request: LeaveGroupRequest__Output): void {
    const group = this.metadata.get(request.groupId);
    if (group === undefined || group.is('Dead')) {
      const code = group === undefined ? 'UNKNOWN_MEMBER_ID' : 'COORDINATOR_NOT_AVAILABLE';
      this.outbox.reply(requestId, { error: error(code, `Group ${request.groupId} is not known here.`), members: [] });
      return;
    }
    const results: LeaveGroupMemberResult[] = request.members.map((identity) => {
      const groupInstanceId = instanceIdOf(identity.groupInstanceId);
      const result = (code: ErrorCode, message = '') => ({
        memberId: identity.memberId,
        ...(groupInstanceId === undefined ? {} : { groupInstanceId }),
        errorCode: code,
        errorMessage: message,
      });
      const memberId = identity.memberId !== '' ? identity.memberId : groupInstanceId === undefined ? undefined : group.staticMembers.get(groupInstanceId);
      if (memberId === undefined) return result('UNKNOWN_MEMBER_ID', `No member with instance id ${groupInstanceId ?? '(none)'}.`);
      if (group.isStaticMemberFenced(groupInstanceId, memberId)) return result('FENCED_INSTANCE_ID', `Instance ${groupInstanceId} belongs to another member id.`);
      if (group.pendingMembers.delete(memberId)) {
        this.tryCompleteJoin(now, group);
        return result('NONE');
      }
      if (!group.members.has(memberId)) return result('UNKNOWN_MEMBER_ID', `Member ${memberId} is not in group ${group.groupId}.`);
      this.removeMemberAndUpdateGroup(now, group, memberId, 'left the group');
      return result('NONE');
    });
    this.outbox.reply(requestId, { error: NO_ERROR, members: results });
  }

  private removeMemberAndUpdateGroup(now: number, group: Group, memberId: string, reason: string): void {
    const member = group.members.get(memberId);
    if (member === undefined) return;
    const gone = error('UNKNOWN_MEMBER_ID', `Member ${memberId} ${reason}.`);
    if (member.awaitingJoin !== undefined) this.outbox.reply(member.awaitingJoin, { error: gone, memberId });
    if (member.awaitingSync !== undefined) this.outbox.reply(member.awaitingSync, { error: gone });
    group.remove(memberId);
    switch (group.state) {
      case 'Stable':
      case 'CompletingRebalance':
        this.prepareRebalance(now, group);
        this.tryCompleteJoin(now, group);
        return;
      case 'PreparingRebalance':
        this.tryCompleteJoin(now, group);
        return;
      case 'Empty':
      case 'Dead':
    }
  }

  // ------------------------------------------------------------------ timers

  /** The earliest deadline of any group or member, or undefined when nothing waits. */
  nextDeadline(): number | undefined {
    let next = Number.POSITIVE_INFINITY;
    for (const group of this.metadata.all()) {
      if (group.joinDeadline !== undefined) next = Math.min(next, group.joinDeadline);
      if (group.syncDeadline !== undefined) next = Math.min(next, group.syncDeadline);
      for (const deadline of group.pendingMembers.values()) next = Math.min(next, deadline);
      for (const member of group.members.values()) if (heartbeatCounts(member)) next = Math.min(next, member.heartbeatDeadline);
    }
    return next === Number.POSITIVE_INFINITY ? undefined : next;
  }

  /** Fires every deadline at or before `now`: join/sync phases end, silent members are dropped. */
  tick(now: number): void {
    for (const group of [...this.metadata.all()]) {
      for (const [memberId, deadline] of group.pendingMembers) {
        if (deadline > now) continue;
        group.pendingMembers.delete(memberId);
        this.tryCompleteJoin(now, group);
        this.metadata.dropIfUnused(group);
      }
      for (const member of [...group.members.values()]) {
        if (heartbeatCounts(member) && member.heartbeatDeadline <= now && group.members.get(member.memberId) === member) {
          this.removeMemberAndUpdateGroup(now, group, member.memberId, 'missed its session timeout');
        }
      }
      if (group.joinDeadline !== undefined && group.joinDeadline <= now) this.onJoinDeadline(now, group);
      if (group.syncDeadline !== undefined && group.syncDeadline <= now) this.onSyncDeadline(now, group);
    }
  }

  private onJoinDeadline(now: number, group: Group): void {
    const remaining = group.initialDelayRemainingMs;
    if (remaining !== undefined && group.newMemberAdded && remaining > 0) {
      const delay = Math.min(this.settings.initialRebalanceDelayMs, remaining);
      group.newMemberAdded = false;
      group.initialDelayRemainingMs = remaining - delay;
      group.joinDeadline = now + delay;
      return;
    }
    this.completeJoin(now, group);
  }

  /** Members that got the new generation but never synced are dropped (Kafka's pending-sync expiry). */
  private onSyncDeadline(now: number, group: Group): void {
    group.syncDeadline = undefined;
    if (!(group.is('CompletingRebalance') || group.is('Stable')) || group.pendingSync.size === 0) return;
    for (const memberId of [...group.pendingSync]) {
      const member = group.members.get(memberId);
      if (member?.awaitingJoin !== undefined) this.outbox.reply(member.awaitingJoin, { error: error('UNKNOWN_MEMBER_ID', 'Did not sync in time.'), memberId });
      group.remove(memberId);
    }
    this.prepareRebalance(now, group);
    this.tryCompleteJoin(now, group);
  }

  // ------------------------------------------------------------------ offsets

  /** A commit's group, generation and member checks; an admitted commit refreshes the member's session and is stored by the metadata manager. */
  commitOffsets(now: number, requestId: number, request: OffsetCommitRequest__Output): void {
    const groupInstanceId = instanceIdOf(request.groupInstanceId);
    const failAll = (code: ErrorCode, message: string): void => {
      this.outbox.reply(requestId, {
        topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode: code, errorMessage: message })) })),
      });
    };
    if (request.groupId === '') return failAll('INVALID_GROUP_ID', 'The group id must not be empty.');
    let group = this.metadata.get(request.groupId);
    if (group === undefined) {
      // Only a commit outside group management (generation -1) may create a group.
      if (request.generationId >= 0) return failAll('ILLEGAL_GENERATION', `Group ${request.groupId} has no generation ${request.generationId}.`);
      group = this.metadata.getOrCreate(request.groupId, now);
    }
    if (group.is('Dead')) return failAll('COORDINATOR_NOT_AVAILABLE', `Group ${request.groupId} is being removed; find the coordinator again.`);
    if (group.isStaticMemberFenced(groupInstanceId, request.memberId)) return failAll('FENCED_INSTANCE_ID', `Instance ${groupInstanceId} now belongs to another member id.`);
    if (!(request.generationId < 0 && group.is('Empty'))) {
      const member = group.members.get(request.memberId);
      if (member === undefined) return failAll('UNKNOWN_MEMBER_ID', `Member ${request.memberId} is not in group ${request.groupId}.`);
      if (request.generationId !== group.generationId) {
        return failAll('ILLEGAL_GENERATION', `Generation ${request.generationId} is not the current generation ${group.generationId} of group ${request.groupId}.`);
      }
      if (group.is('CompletingRebalance')) return failAll('REBALANCE_IN_PROGRESS', `Group ${request.groupId} is completing a rebalance; commit after SyncGroup.`);
      // Stable or PreparingRebalance (the member learns of the rebalance from its next heartbeat).
      member.heartbeatDeadline = now + member.sessionTimeoutMs;
    }
    this.metadata.storeOffsets(now, requestId, group, request);
  }

  // ------------------------------------------------------------------ admin

  /** Deletes empty groups with their offsets (tombstones); answered once the tombstones are durable. */
  deleteGroups(now: number, requestId: number, groupIds: readonly string[]): void {
    const results: DeleteGroupResult[] = [];
    const deleted: Group[] = [];
    for (const groupId of groupIds) {
      const group = this.metadata.get(groupId);
      if (group === undefined || group.is('Dead')) {
        results.push({ groupId, errorCode: 'GROUP_ID_NOT_FOUND', errorMessage: `Group ${groupId} does not exist.` });
        continue;
      }
      if (!group.is('Empty')) {
        results.push({ groupId, errorCode: 'NON_EMPTY_GROUP', errorMessage: `Group ${groupId} has members (state ${group.state}).` });
        continue;
      }
      this.transition(group, 'Dead', now);
      this.metadata.remove(group);
      deleted.push(group);
      results.push({ groupId, errorCode: 'NONE', errorMessage: '' });
    }
    if (deleted.length === 0) {
      this.outbox.reply(requestId, { results });
      return;
    }
    this.metadata.storeTombstones(deleted, (_at, failure) => {
      if (failure !== undefined) {
        for (const r of results) if (r.errorCode === 'NONE') Object.assign(r, { errorCode: groupWriteError(failure.code), errorMessage: failure.message });
      }
      this.outbox.reply(requestId, { results });
    });
  }

  /** A member's session timeout, or undefined when it is not a member (for how long its heartbeat may be held). */
  sessionTimeoutOf(groupId: string, memberId: string): number | undefined {
    return this.metadata.get(groupId)?.members.get(memberId)?.sessionTimeoutMs;
  }

  /** States of the groups, for tests and metrics. */
  groupState(groupId: string): GroupState | undefined {
    return this.metadata.get(groupId)?.state;
  }

  private transition(group: Group, next: GroupState, now: number): void {
    group.transitionTo(next, now);
    this.changed(group);
  }

  private changed(group: Group): void {
    this.outbox.changed(group.groupId);
  }
}

interface JoinInput {
  memberId: string;
  groupInstanceId: string | undefined;
  protocolType: string;
  protocols: GroupProtocol[];
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
}

/** Proto3 `optional string`: absent and "" both mean a dynamic member. */
function instanceIdOf(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** Members waiting in a join or sync are governed by the rebalance timeout, not their session. */
function heartbeatCounts(member: GroupMember): boolean {
  return member.awaitingJoin === undefined && member.awaitingSync === undefined;
}