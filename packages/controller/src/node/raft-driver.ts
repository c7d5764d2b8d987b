import { systemClock, type Clock, type Timer } from '@quill/clock';
import { QuillError } from '@quill/proto';
import { RaftNode, type Entry, type Message, type NodeId, type RaftStatus, type Ready } from '@quill/raft';
import { SeededRandom } from '@quill/random';
import type { Logger } from 'pino';
import type { LevelRaftStorage } from '../raft-storage/level-raft-storage.js';

/** The replicated state machine the driver applies committed entries to. */
export interface ReplicatedStateMachine {
  /** Applies one committed entry (normal or no-op), in log order. */
  apply(entry: Entry): void;
  /** The state after the last applied entry, for a snapshot. */
  snapshot(): Uint8Array;
  /** Replaces the state with a snapshot's (a lagging follower catching up). */
  restore(data: Uint8Array, index: number): void;
}

export interface RaftDriverOptions {
  nodeId: NodeId;
  voters: readonly NodeId[];
  observers?: readonly NodeId[];
  storage: LevelRaftStorage;
  stateMachine: ReplicatedStateMachine;
  send: (message: Message) => void;
  logger: Logger;
  /** Wall-clock length of one Raft tick. */
  tickMs: number;
  /** What ticks run on. Default systemClock. */
  clock?: Clock;
  electionTick: number;
  heartbeatTick: number;
  /** Take a snapshot and compact the log once this many entries were applied since the last one. */
  snapshotAfterEntries: number;
  /** Seeds the election-timeout jitter. */
  seed: number;
  /** Called when this node's view of the leader changes. */
  onLeaderChange?: (leaderId: NodeId, term: number) => void;
}

interface PendingProposal {
  term: number;
  resolve: (index: number) => void;
  reject: (error: Error) => void;
}

/**
 * Runs the pure Raft core with real time, disk and network: ticks on a timer, and for each Ready
 * persists to level, then sends, then applies, then advances (persist before send). Proposals
 * resolve once applied here, or fail with NOT_CONTROLLER if leadership is lost first.
 */
export class RaftDriver {
  private readonly node: RaftNode;
  private readonly proposals = new Map<number, PendingProposal>();
  private timer: Timer | undefined;
  private processing: Promise<void> | undefined;
  private again = false;
  private appliedSinceSnapshot = 0;
  private snapshotsInstalledCount = 0;
  private leader = 0;
  private stopped = false;
  /** The index of this leader's no-op: decisions wait until it is applied (state fully caught up). */
  private leaderStartIndex = Number.POSITIVE_INFINITY;

  constructor(private readonly options: RaftDriverOptions) {
    this.node = new RaftNode(
      {
        id: options.nodeId,
        voters: options.voters,
        observers: options.observers ?? [],
        random: new SeededRandom(options.seed),
        electionTick: options.electionTick,
        heartbeatTick: options.heartbeatTick,
      },
      options.storage,
    );
  }

  start(): void {
    // A restart resumes from the local snapshot: entries after it are re-applied on top.
    const snapshot = this.options.storage.snapshot();
    if (snapshot.index > 0) this.options.stateMachine.restore(snapshot.data, snapshot.index);
    this.timer = (this.options.clock ?? systemClock).setInterval(() => {
      this.node.tick();
      this.kick();
    }, this.options.tickMs);
  }

  get leaderId(): NodeId {
    return this.leader;
  }

  get isLeader(): boolean {
    return this.node.role === 'leader';
  }

  /** Snapshots received from a leader and installed (a lagging node catching up). */
  get snapshotsInstalled(): number {
    return this.snapshotsInstalledCount;
  }

  /** True once this leader has applied every entry committed before its term began. */
  get canDecide(): boolean {
    return this.node.role === 'leader' && this.node.status().applied >= this.leaderStartIndex;
  }

  /** The index the next proposal will get (records' metadata offset, e.g. a new broker epoch). */
  get nextIndex(): number {
    return this.node.lastIndex + 1;
  }

  status(): RaftStatus {
    return this.node.status();
  }

  followerProgress(id: NodeId) {
    return this.node.followerProgress(id);
  }

  step(message: Message): void {
    if (this.stopped) return;
    const result = this.node.step(message);
    if (!result.ok) this.options.logger.warn({ reason: result.reason, detail: result.detail }, 'refused raft message');
    this.kick();
  }

  /** Proposes `data`; resolves with its log index once it is committed and applied on this node. */
  propose(data: Uint8Array): Promise<number> {
    const result = this.node.propose(data);
    if (!result.ok) {
      return Promise.reject(notController(result.leaderHint, result.reason));
    }
    this.kick();
    return new Promise((resolve, reject) => this.proposals.set(result.index, { term: result.term, resolve, reject }));
  }

  transferLeadership(to: NodeId) {
    const result = this.node.transferLeadership(to);
    this.kick();
    return result;
  }

  /** Processes Readies until none is left; one loop at a time, re-run if kicked meanwhile. */
  private kick(): void {
    if (this.processing !== undefined) {
      this.again = true;
      return;
    }
    this.processing = this.drain().finally(() => {
      this.processing = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        this.kick();
      }
    });
  }

  private async drain(): Promise<void> {
    while (!this.stopped && this.node.hasReady()) {
      const ready = this.node.ready();
      await this.handle(ready);
      this.node.advance(ready);
    }
    await this.maybeSnapshot();
  }

  private async handle(ready: Ready): Promise<void> {
    await this.options.storage.persist(ready);
    if (ready.softState !== undefined && ready.softState.leaderId !== this.leader) {
      this.leader = ready.softState.leaderId;
      this.options.onLeaderChange?.(this.leader, this.node.term);
    }
    if (ready.softState !== undefined && ready.softState.role !== 'leader') {
      this.leaderStartIndex = Number.POSITIVE_INFINITY;
      this.failProposals(ready.softState.leaderId);
    }
    if (ready.softState?.role === 'leader') this.leaderStartIndex = this.node.lastIndex;
    for (const message of ready.messages) this.options.send(message);
    if (ready.snapshot !== undefined) {
      this.options.stateMachine.restore(ready.snapshot.data, ready.snapshot.index);
      this.appliedSinceSnapshot = 0;
      this.snapshotsInstalledCount++;
      this.options.logger.info({ index: ready.snapshot.index, term: ready.snapshot.term }, 'installed a snapshot from the leader');
    }
    for (const entry of ready.committedEntries) {
      this.options.stateMachine.apply(entry);
      this.appliedSinceSnapshot++;
      const proposal = this.proposals.get(entry.index);
      if (proposal === undefined) continue;
      this.proposals.delete(entry.index);
      // Another leader's entry at our index means ours was overwritten, never committed.
      if (proposal.term === entry.term) proposal.resolve(entry.index);
      else proposal.reject(notController(this.leader, 'NotLeader'));
    }
  }

  private async maybeSnapshot(): Promise<void> {
    if (this.appliedSinceSnapshot < this.options.snapshotAfterEntries) return;
    const applied = this.node.status().applied;
    if (applied <= this.options.storage.snapshot().index) return;
    await this.options.storage.compact(applied, this.options.stateMachine.snapshot());
    this.appliedSinceSnapshot = 0;
    this.options.logger.info({ index: applied }, 'raft log compacted into a snapshot');
  }

  private failProposals(leaderHint: NodeId): void {
    for (const [index, proposal] of this.proposals) {
      proposal.reject(notController(leaderHint, 'NotLeader'));
      this.proposals.delete(index);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.processing;
    this.failProposals(0);
  }
}

function notController(leaderHint: NodeId, reason: string): QuillError {
  return new QuillError('NOT_CONTROLLER', `this controller is not the active one (${reason}); leader hint ${leaderHint}`);
}
