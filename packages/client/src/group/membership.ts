import { ErrorCode, errorInfo } from '@quill/proto';

/**
 * Where a member stands in the group protocol:
 * - `unjoined`: no generation (start, after a failure that needs a rejoin, after leaving);
 * - `joining`: a JoinGroup is under way;
 * - `syncing`: joined a generation, SyncGroup under way;
 * - `stable`: has its assignment for the generation and heartbeats.
 */
export type MemberPhase = 'unjoined' | 'joining' | 'syncing' | 'stable';

/** The allowed phase changes (anything else is a bug in the driver and throws). */
const TRANSITIONS: Readonly<Record<MemberPhase, readonly MemberPhase[]>> = {
  unjoined: ['joining', 'unjoined'],
  joining: ['joining', 'syncing', 'unjoined'],
  syncing: ['stable', 'unjoined'],
  stable: ['joining', 'unjoined', 'stable'],
};

/** What the driver does after a failed group call. */
export type GroupErrorAction =
  /** Look the coordinator up again, back off, and repeat (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, transport failures). */
  | 'find-coordinator'
  /** Back off and repeat against the same coordinator (COORDINATOR_LOAD_IN_PROGRESS and other retriable codes). */
  | 'retry'
  /** The generation moved on: join again, keeping the member id (REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION). */
  | 'rejoin'
  /** The coordinator forgot the member: join again as a new member (UNKNOWN_MEMBER_ID). */
  | 'rejoin-as-new-member'
  /** Cannot go on (FENCED_INSTANCE_ID, INVALID_SESSION_TIMEOUT, INCONSISTENT_GROUP_PROTOCOL, authorization, ...). */
  | 'fatal';

/** Classifies a group call's error code the way Kafka's ConsumerCoordinator does. */
export function groupErrorAction(code: ErrorCode): GroupErrorAction {
  switch (code) {
    case ErrorCode.NOT_COORDINATOR:
    case ErrorCode.COORDINATOR_NOT_AVAILABLE:
    case ErrorCode.NETWORK_EXCEPTION:
    case ErrorCode.REQUEST_TIMED_OUT:
      return 'find-coordinator';
    case ErrorCode.REBALANCE_IN_PROGRESS:
    case ErrorCode.ILLEGAL_GENERATION:
      return 'rejoin';
    case ErrorCode.UNKNOWN_MEMBER_ID:
      return 'rejoin-as-new-member';
    default:
      return errorInfo(code).retriable ? 'retry' : 'fatal';
  }
}

/** The fields of a JoinGroup answer the state machine needs. */
export interface JoinResult {
  errorCode: ErrorCode;
  memberId: string;
  generationId: number;
  leader: string;
  protocolName: string;
}

/** The next step after a JoinGroup answer. */
export type JoinOutcome =
  | { kind: 'sync'; isLeader: boolean }
  /** Send JoinGroup again at once (MEMBER_ID_REQUIRED handed us an id, or the old one was unknown). */
  | { kind: 'join-again' }
  | { kind: 'failed'; action: GroupErrorAction };

/**
 * The membership protocol of one consumer as a pure state machine: join → sync → stable →
 * heartbeat, and back to join when the coordinator says so. It holds the member id and
 * generation and decides the next step from each answer; the driver (GroupMember) does the
 * I/O, timers and partition handling. No clock, no I/O, so every path is unit-testable.
 */
export class Membership {
  private phaseValue: MemberPhase = 'unjoined';
  private memberIdValue = '';
  private generationIdValue = -1;
  private leaderValue = '';
  private protocolValue = '';
  private rejoinReason: string | undefined = 'initial join';

  get phase(): MemberPhase {
    return this.phaseValue;
  }
  get memberId(): string {
    return this.memberIdValue;
  }
  get generationId(): number {
    return this.generationIdValue;
  }
  get leaderId(): string {
    return this.leaderValue;
  }
  get protocolName(): string {
    return this.protocolValue;
  }
  get isLeader(): boolean {
    return this.memberIdValue !== '' && this.memberIdValue === this.leaderValue;
  }
  /** Why the member must (re)join, or undefined while it need not. */
  get pendingRejoin(): string | undefined {
    return this.rejoinReason;
  }

  /** Asks for a rejoin at the next opportunity (heartbeat said rebalance, partitions were revoked, ...). */
  requestRejoin(reason: string): void {
    this.rejoinReason ??= reason;
  }

  /** Starts a JoinGroup; returns the member id to send ("" for a new member). */
  beginJoin(): { memberId: string; reason: string } {
    const reason = this.rejoinReason ?? 'rejoin';
    this.move('joining');
    return { memberId: this.memberIdValue, reason };
  }

  onJoinResult(result: JoinResult): JoinOutcome {
    this.expectPhase('joining');
    switch (result.errorCode) {
      case ErrorCode.NONE:
        this.memberIdValue = result.memberId;
        this.generationIdValue = result.generationId;
        this.leaderValue = result.leader;
        this.protocolValue = result.protocolName;
        this.move('syncing');
        return { kind: 'sync', isLeader: this.isLeader };
      case ErrorCode.MEMBER_ID_REQUIRED:
        this.memberIdValue = result.memberId;
        return { kind: 'join-again' };
      case ErrorCode.UNKNOWN_MEMBER_ID:
        this.resetMember();
        return { kind: 'join-again' };
      default:
        return { kind: 'failed', action: this.failed(result.errorCode) };
    }
  }

  /** After SyncGroup: NONE makes the member stable with its assignment. */
  onSyncResult(errorCode: ErrorCode): { kind: 'stable' } | { kind: 'failed'; action: GroupErrorAction } {
    this.expectPhase('syncing');
    if (errorCode === ErrorCode.NONE) {
      this.rejoinReason = undefined;
      this.move('stable');
      return { kind: 'stable' };
    }
    return { kind: 'failed', action: this.failed(errorCode) };
  }

  /** After a Heartbeat (or an OffsetCommit): decides whether the member must rejoin. */
  onHeartbeatResult(errorCode: ErrorCode): GroupErrorAction | 'ok' {
    if (errorCode === ErrorCode.NONE) return 'ok';
    return this.failed(errorCode);
  }

  /** The member left the group (LeaveGroup sent, or given up after maxPollIntervalMs): the next join starts afresh. */
  left(reason: string): void {
    this.resetMember();
    this.rejoinReason = reason;
    this.move('unjoined');
  }

  /** A join or sync got no answer (transport failure, timeout): start it over, keeping the member id. */
  interrupted(reason: string): void {
    this.requestRejoin(reason);
    this.move('unjoined');
  }

  private failed(code: ErrorCode): GroupErrorAction {
    const action = groupErrorAction(code);
    if (action === 'rejoin' || action === 'rejoin-as-new-member') {
      if (action === 'rejoin-as-new-member') this.resetMember();
      // REBALANCE_IN_PROGRESS keeps the generation: an eager member still commits in it before rejoining.
      else if (code === ErrorCode.ILLEGAL_GENERATION) this.generationIdValue = -1;
      this.requestRejoin(code);
      this.move('unjoined');
    } else if (this.phaseValue !== 'stable') {
      // A join or sync that failed on the way is started over; a stable member keeps its generation.
      this.requestRejoin(code);
      this.move('unjoined');
    }
    return action;
  }

  private resetMember(): void {
    this.memberIdValue = '';
    this.generationIdValue = -1;
    this.leaderValue = '';
  }

  private expectPhase(phase: MemberPhase): void {
    if (this.phaseValue !== phase) throw new Error(`membership: expected phase ${phase}, in ${this.phaseValue}`);
  }

  private move(to: MemberPhase): void {
    if (!TRANSITIONS[this.phaseValue].includes(to)) {
      throw new Error(`membership: no transition from ${this.phaseValue} to ${to}`);
    }
    this.phaseValue = to;
  }
}
