/**
 * Raft's safety properties (Raft paper, Figure 3), checked against everything the
 * simulator observes. The checker knows nothing of the simulator: it is fed plain
 * observations, so tests can feed it broken histories and see it object.
 */
import type { Message } from '../core/messages.js';
import type { Entry, HardState, NodeId } from '../core/types.js';
import { entryDigest } from './state-machine.js';

export type SafetyProperty =
  /** At most one leader per term, over the whole history. */
  | 'ElectionSafety'
  /** Two logs holding an entry with the same index and term are identical up to it. */
  | 'LogMatching'
  /** A leader's log holds every entry committed in an earlier term. */
  | 'LeaderCompleteness'
  /** No two nodes apply different entries (or reach different states) at an index. */
  | 'StateMachineSafety'
  /** A committed entry is never replaced in a node's log, nor applied before it is committed. */
  | 'CommittedEntryLost'
  /** A vote or acknowledgement is sent only once what it claims is durable. */
  | 'PersistBeforeSend';

export class SafetyViolation extends Error {
  override readonly name = 'SafetyViolation';
  constructor(
    readonly property: SafetyProperty,
    detail: string,
  ) {
    super(`${property} violated: ${detail}`);
  }
}

/** What the checker needs to read of a node's log. */
export interface LogView {
  /** The first index in the log; firstIndex - 1 is covered by the snapshot. */
  readonly firstIndex: number;
  termAt(index: number): number | undefined;
}

/** What a node has durably persisted when it sends a message. */
export interface DurableState {
  readonly hardState: HardState;
  readonly lastIndex: number;
}

/** Key of an (index, term) pair; terms stay far below 2^21 in any simulation. */
const TERM_SPAN = 0x20_0000;

export class SafetyChecker {
  private readonly leaderByTerm = new Map<number, NodeId>();
  /** For every (index, term) ever persisted: the term of the entry before it and the payload digest. */
  private readonly entryLinks = new Map<number, { readonly previousTerm: number; readonly digest: number }>();
  /** committedTerms[i]: the term of the committed entry at index i (index 0 is the empty log). */
  private readonly committedTerms: number[] = [0];
  /** For each term in which a node first saw commits advance: the highest such commit index. */
  private readonly commitFirstSeenByTerm = new Map<number, number>();
  /** appliedHashes[i]: the state machine hash after applying index i. */
  private readonly appliedHashes: number[] = [0];

  /** Terms in which some node was seen leading. */
  get leaderTermCount(): number {
    return this.leaderByTerm.size;
  }

  /** The highest index known to be committed. */
  get committedIndex(): number {
    return this.committedTerms.length - 1;
  }

  observeLeader(id: NodeId, term: number): void {
    const known = this.leaderByTerm.get(term);
    if (known === undefined) this.leaderByTerm.set(term, id);
    else if (known !== id) throw new SafetyViolation('ElectionSafety', `nodes ${known} and ${id} both led term ${term}`);
  }

  /** `entries` were persisted by `id` right after an entry of `previousTerm`. */
  observePersistedEntries(id: NodeId, previousTerm: number, entries: readonly Entry[]): void {
    let previous = previousTerm;
    for (const entry of entries) {
      if (entry.term >= TERM_SPAN) throw new RangeError(`term ${entry.term} too large for the checker`);
      const key = entry.index * TERM_SPAN + entry.term;
      const digest = entryDigest(entry);
      const link = this.entryLinks.get(key);
      if (link === undefined) {
        this.entryLinks.set(key, { previousTerm: previous, digest });
      } else if (link.previousTerm !== previous || link.digest !== digest) {
        throw new SafetyViolation(
          'LogMatching',
          `node ${id} holds entry (${entry.index}, ${entry.term}) with another payload or predecessor than a node before it`,
        );
      }
      previous = entry.term;
    }
  }

  /**
   * Node `id`, in `term`, has commit index `commit` over `log`. Records newly committed
   * entries and checks that the node's entry at its commit index is the committed one.
   */
  observeCommit(id: NodeId, term: number, commit: number, log: LogView): void {
    const known = this.committedIndex;
    const termAtKnown = known > 0 && known <= commit ? log.termAt(known) : undefined;
    if (termAtKnown !== undefined && termAtKnown !== this.committedTerms[known]) {
      throw new SafetyViolation('CommittedEntryLost', `node ${id} commits past ${known} over another entry than the committed one`);
    }
    if (commit > known) {
      for (let index = known + 1; index <= commit; index++) {
        const entryTerm = log.termAt(index);
        if (entryTerm === undefined) throw new SafetyViolation('CommittedEntryLost', `node ${id} committed ${commit} but lacks entry ${index}`);
        this.committedTerms.push(entryTerm);
      }
      this.commitFirstSeenByTerm.set(term, Math.max(commit, this.commitFirstSeenByTerm.get(term) ?? 0));
      return;
    }
    const entryTerm = log.termAt(commit);
    if (entryTerm !== undefined && entryTerm !== this.committedTerms[commit]) {
      throw new SafetyViolation(
        'CommittedEntryLost',
        `node ${id} has term ${entryTerm} at its commit index ${commit}, but term ${this.committedTerms[commit]} was committed there`,
      );
    }
  }

  /** The leader `id` of `term` must hold every entry committed in an earlier term. */
  checkLeaderCompleteness(id: NodeId, term: number, log: LogView): void {
    let index = 0;
    for (const [seenTerm, commit] of this.commitFirstSeenByTerm) {
      if (seenTerm < term && commit > index) index = commit;
    }
    if (index === 0 || index < log.firstIndex - 1) return; // covered by the leader's snapshot (checked on install)
    const entryTerm = log.termAt(index);
    if (entryTerm !== this.committedTerms[index]) {
      throw new SafetyViolation(
        'LeaderCompleteness',
        `leader ${id} of term ${term} has term ${entryTerm} at index ${index}, committed earlier with term ${this.committedTerms[index]}`,
      );
    }
  }

  /** Node `id` applied the entry at `index` of `term`, reaching state `hash`. */
  observeApplied(id: NodeId, index: number, term: number, hash: number): void {
    if (index > this.committedIndex || this.committedTerms[index] !== term) {
      throw new SafetyViolation('CommittedEntryLost', `node ${id} applied (${index}, ${term}), which is not the committed entry there`);
    }
    const known = this.appliedHashes[index];
    if (known === undefined) {
      if (index !== this.appliedHashes.length) throw new SafetyViolation('StateMachineSafety', `node ${id} applied ${index} out of order`);
      this.appliedHashes.push(hash);
    } else if (known !== hash) {
      throw new SafetyViolation('StateMachineSafety', `node ${id} reached another state than its peers at index ${index}`);
    }
  }

  /** Node `id` installed a snapshot of the state at (index, term). */
  observeSnapshotInstalled(id: NodeId, index: number, term: number, hash: number): void {
    if (index > this.committedIndex || this.committedTerms[index] !== term) {
      throw new SafetyViolation('CommittedEntryLost', `node ${id} installed a snapshot at (${index}, ${term}), which is not committed`);
    }
    if (this.appliedHashes[index] !== hash) {
      throw new SafetyViolation('StateMachineSafety', `node ${id} installed a snapshot whose state differs from its peers' at ${index}`);
    }
  }

  /** `message` is about to be sent by a node whose durable state is `durable`. */
  checkMessageBacked(message: Message, durable: DurableState): void {
    const { hardState, lastIndex } = durable;
    switch (message.type) {
      case 'VoteRequest':
        if (hardState.term < message.term || (hardState.term === message.term && hardState.vote !== message.from)) {
          throw new SafetyViolation('PersistBeforeSend', `node ${message.from} asks for votes in term ${message.term} before persisting its own vote`);
        }
        return;
      case 'VoteResponse':
        if (message.granted && (hardState.term < message.term || (hardState.term === message.term && hardState.vote !== message.to))) {
          throw new SafetyViolation('PersistBeforeSend', `node ${message.from} grants its vote in term ${message.term} before persisting it`);
        }
        return;
      case 'AppendResponse':
      case 'InstallSnapshotResponse':
        if (message.type === 'AppendResponse' && message.reject) return;
        if (lastIndex < message.matchIndex) {
          throw new SafetyViolation('PersistBeforeSend', `node ${message.from} acknowledges index ${message.matchIndex} but persisted only up to ${lastIndex}`);
        }
        return;
      default:
        return;
    }
  }
}
