import type { Message } from './messages.js';
import type { Entry, HardState, Snapshot, SoftState } from './types.js';

/**
 * Everything a node asks its caller to do, handed out by `RaftNode.ready()`.
 *
 * Process a Ready in this order, then call `advance(ready)`:
 * 1. Persist, durably and atomically if you can: `snapshot` (if any), then `entries`
 *    (which may overwrite a tail of the stored log), then `hardState` (if any). When
 *    `mustSync` is false only the commit index changed and the write need not be synced.
 * 2. Send `messages` — only after step 1 completed. PERSIST BEFORE SEND: the messages
 *    may grant a vote or acknowledge entries, and those claims must survive a crash.
 * 3. Apply `snapshot` (if any), then `committedEntries`, to the state machine. They are
 *    committed and (after step 1) durable locally.
 * 4. `advance(ready)`. Until then the node hands out no new Ready, but it keeps taking
 *    ticks, messages and proposals; their effects go into the next Ready.
 *
 * A crash before step 1 completes loses the whole Ready, which is safe: nothing of it
 * was sent or applied. After a restart the node rebuilds from storage alone.
 */
export interface Ready {
  /** The hard state to persist, if it changed since the previous Ready. */
  readonly hardState: HardState | undefined;
  /** Role and leader, if they changed since the previous Ready (informational). */
  readonly softState: SoftState | undefined;
  /** A snapshot from the leader to persist and then install. */
  readonly snapshot: Snapshot | undefined;
  /** Log entries to persist. */
  readonly entries: readonly Entry[];
  /** True if term, vote, entries or snapshot changed: persist with fsync before sending. */
  readonly mustSync: boolean;
  /** Messages to send once the above is persisted. */
  readonly messages: readonly Message[];
  /** Entries to apply, in order. */
  readonly committedEntries: readonly Entry[];
}
