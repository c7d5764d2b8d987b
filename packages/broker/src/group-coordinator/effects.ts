import type {
  DeleteGroupResult,
  ErrorCode,
  HeartbeatResponse,
  JoinGroupResponse,
  LeaveGroupResponse,
  OffsetCommitResponse,
  SyncGroupResponse,
} from '@quill/proto';
import type { CoordinatorRecord } from './coordinator-record.js';

/** A response to send for the request the adapter registered under `requestId`. */
export interface Reply {
  requestId: number;
  response: JoinGroupResponse | SyncGroupResponse | HeartbeatResponse | LeaveGroupResponse | OffsetCommitResponse | { results: DeleteGroupResult[] };
}

/** Records to append (acks=all) to the shard's partition; the adapter reports the outcome with the write id. */
export interface Write {
  writeId: number;
  records: CoordinatorRecord[];
}

/** What one call into the pure coordinator asks the adapter to do. */
export interface Effects {
  replies: Reply[];
  writes: Write[];
  /**
   * Groups whose state, generation or membership changed (a static member replaced included):
   * a heartbeat the adapter holds for one of them must be run again, as its answer may differ now.
   */
  changedGroups: string[];
}

/** Why a write did not become durable (the append's error). */
export interface WriteFailure {
  code: ErrorCode;
  message: string;
}

/** What to do once a write is durable (`failure` undefined) or has failed; `now` is when the adapter reports it. */
export type WriteContinuation = (now: number, failure: WriteFailure | undefined) => void;

/**
 * Collects the effects of one call into the pure coordinator (replies, writes, changed groups),
 * and keeps each pending write's continuation until the adapter reports the write's outcome.
 */
export class EffectsOutbox {
  private readonly continuations = new Map<number, WriteContinuation>();
  private nextWriteId = 1;
  private out: Effects = { replies: [], writes: [], changedGroups: [] };

  reply(requestId: number, response: Reply['response']): void {
    this.out.replies.push({ requestId, response });
  }

  write(records: CoordinatorRecord[], continuation: WriteContinuation): void {
    const writeId = this.nextWriteId++;
    this.continuations.set(writeId, continuation);
    this.out.writes.push({ writeId, records });
  }

  changed(groupId: string): void {
    if (!this.out.changedGroups.includes(groupId)) this.out.changedGroups.push(groupId);
  }

  /** Runs a pending write's continuation (its effects go to this outbox). */
  completeWrite(now: number, writeId: number, failure: WriteFailure | undefined): void {
    const continuation = this.continuations.get(writeId);
    if (continuation === undefined) throw new Error(`write ${writeId} is not pending`);
    this.continuations.delete(writeId);
    continuation(now, failure);
  }

  /** The effects collected since the last flush. */
  flush(): Effects {
    const effects = this.out;
    this.out = { replies: [], writes: [], changedGroups: [] };
    return effects;
  }
}
