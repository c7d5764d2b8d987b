// The data of one consumer group as the coordinator holds it in memory, with Kafka's state
// transition table (GroupMetadata.scala). No clock and no I/O: deadlines are plain numbers the
// shard sets from the `now` it is given.

/** Kafka's group states, with Kafka's names (they appear in ListGroups/DescribeGroups). */
export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

/** Where each state may be entered from; anything else is a coordinator bug. */
const VALID_PREVIOUS_STATES: Record<GroupState, readonly GroupState[]> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
};

export interface GroupProtocol {
  name: string;
  metadata: Buffer;
}

export interface GroupMember {
  memberId: string;
  groupInstanceId: string | undefined;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  /** In the member's preference order. */
  protocols: GroupProtocol[];
  assignment: Buffer;
  /** The request id of a JoinGroup waiting for the rebalance to complete. */
  awaitingJoin: number | undefined;
  /** The request id of a SyncGroup waiting for the leader's assignment. */
  awaitingSync: number | undefined;
  /** When the member is dropped unless it heartbeats (ignored while it waits in join or sync). */
  heartbeatDeadline: number;
}

export interface CommittedOffset {
  committedOffset: number;
  committedLeaderEpoch: number;
  committedMetadata: string | undefined;
  commitTimestampMs: number;
}

export const offsetKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/** One group: membership, the current generation, rebalance deadlines and committed offsets. */
export class Group {
  state: GroupState = 'Empty';
  generationId = 0;
  protocolType: string | undefined;
  protocolName: string | undefined;
  leaderId: string | undefined;
  stateTimestampMs: number;
  readonly members = new Map<string, GroupMember>();
  /** group.instance.id -> member id (KIP-345). */
  readonly staticMembers = new Map<string, string>();
  /** Member ids handed out with MEMBER_ID_REQUIRED (KIP-394), with their expiry. */
  readonly pendingMembers = new Map<string, number>();
  /** Members of the current generation that have not sent SyncGroup yet. */
  readonly pendingSync = new Set<string>();
  readonly offsets = new Map<string, { topic: string; partition: number; value: CommittedOffset }>();
  /** PreparingRebalance: when the join phase ends whatever happens. */
  joinDeadline: number | undefined;
  /** group.initial.rebalance.delay.ms phase of a group that started empty: time left to extend it. */
  initialDelayRemainingMs: number | undefined;
  newMemberAdded = false;
  /** CompletingRebalance/Stable: when members that never synced are dropped. */
  syncDeadline: number | undefined;

  constructor(
    readonly groupId: string,
    now: number,
  ) {
    this.stateTimestampMs = now;
  }

  transitionTo(next: GroupState, now: number): void {
    if (!VALID_PREVIOUS_STATES[next].includes(this.state)) {
      throw new Error(`group ${this.groupId}: invalid transition ${this.state} -> ${next}`);
    }
    this.state = next;
    this.stateTimestampMs = now;
  }

  is(state: GroupState): boolean {
    return this.state === state;
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  /** A static member presenting a member id other than the one its instance id holds is a zombie. */
  isStaticMemberFenced(groupInstanceId: string | undefined, memberId: string): boolean {
    if (groupInstanceId === undefined) return false;
    const current = this.staticMembers.get(groupInstanceId);
    return current !== undefined && current !== memberId;
  }

  add(member: GroupMember): void {
    if (this.members.size === 0) this.protocolType = member.protocolType;
    this.members.set(member.memberId, member);
    if (member.groupInstanceId !== undefined) this.staticMembers.set(member.groupInstanceId, member.memberId);
    this.leaderId ??= member.memberId;
  }

  remove(memberId: string): void {
    const member = this.members.get(memberId);
    if (member === undefined) return;
    this.members.delete(memberId);
    this.pendingSync.delete(memberId);
    if (member.groupInstanceId !== undefined && this.staticMembers.get(member.groupInstanceId) === memberId) {
      this.staticMembers.delete(member.groupInstanceId);
    }
    if (this.leaderId === memberId) this.leaderId = this.members.keys().next().value;
  }

  /** Moves a static member to a new member id (a restart), keeping its assignment. */
  replaceStaticMember(groupInstanceId: string, oldMemberId: string, newMemberId: string): void {
    const member = this.members.get(oldMemberId);
    if (member === undefined) throw new Error(`group ${this.groupId}: static member ${oldMemberId} is not a member`);
    this.members.delete(oldMemberId);
    member.memberId = newMemberId;
    this.members.set(newMemberId, member);
    this.staticMembers.set(groupInstanceId, newMemberId);
    if (this.pendingSync.delete(oldMemberId)) this.pendingSync.add(newMemberId);
    if (this.leaderId === oldMemberId) this.leaderId = newMemberId;
  }

  /** The longest rebalance timeout of any member: how long the join phase may last. */
  get rebalanceTimeoutMs(): number {
    let max = 0;
    for (const member of this.members.values()) max = Math.max(max, member.rebalanceTimeoutMs);
    return max;
  }

  /** Every known member has rejoined and no member id handed out is still outstanding. */
  get allMembersJoined(): boolean {
    if (this.pendingMembers.size > 0) return false;
    for (const member of this.members.values()) if (member.awaitingJoin === undefined) return false;
    return true;
  }

  /** Kafka's supportsProtocols: an empty group takes any; otherwise one protocol every member speaks. */
  supportsProtocols(protocolType: string, protocols: readonly GroupProtocol[]): boolean {
    if (this.members.size === 0) return protocolType !== '' && protocols.length > 0;
    if (this.protocolType !== protocolType) return false;
    return protocols.some((p) => [...this.members.values()].every((m) => m.protocols.some((q) => q.name === p.name)));
  }

  /**
   * Kafka's selectProtocol: among the protocols every member supports, each member votes for
   * its most preferred one; the most votes wins (ties go to the earliest in the first member's
   * preference order, so the choice is deterministic).
   */
  selectProtocol(): string {
    const members = [...this.members.values()];
    const first = members[0];
    if (first === undefined) throw new Error(`group ${this.groupId}: cannot select a protocol without members`);
    const candidates = first.protocols.map((p) => p.name).filter((name) => members.every((m) => m.protocols.some((q) => q.name === name)));
    if (candidates.length === 0) throw new Error(`group ${this.groupId}: members share no protocol`);
    const votes = new Map<string, number>(candidates.map((c) => [c, 0]));
    for (const member of members) {
      const vote = member.protocols.find((p) => votes.has(p.name))!.name;
      votes.set(vote, votes.get(vote)! + 1);
    }
    let best = candidates[0]!;
    for (const candidate of candidates) if (votes.get(candidate)! > votes.get(best)!) best = candidate;
    return best;
  }

  /** The member's metadata for the group's chosen protocol. */
  metadataOf(member: GroupMember, protocolName = this.protocolName): Buffer {
    return member.protocols.find((p) => p.name === protocolName)?.metadata ?? Buffer.alloc(0);
  }

  /** Same protocols, same metadata, same order: a rejoin that changes nothing. */
  static sameProtocols(a: readonly GroupProtocol[], b: readonly GroupProtocol[]): boolean {
    return a.length === b.length && a.every((p, i) => p.name === b[i]!.name && p.metadata.equals(b[i]!.metadata));
  }
}
