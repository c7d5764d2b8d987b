import path from 'node:path';
import type { QuillError } from '@quill/proto';
import { readBatchHeader, rewriteBatches, type BatchRewrite } from '@quill/records';
import { readOffsetCheckpoint, writeOffsetCheckpoint, type AppendInfo, type PartitionLog, type StorageError } from '@quill/storage';
import { brokerError } from '../errors.js';
import {
  LeaderEpochCache,
  UNDEFINED_EPOCH,
  readEpochCheckpoint,
  recoverLeaderEpochCache,
  writeEpochCheckpoint,
  type EpochEndOffset,
} from './leader-epoch-cache.js';
import { LeaderReplicationState, type IsrChange } from './leader-replication-state.js';
import { ProducerStateTable } from '../producer-state/producer-state.js';

/** DeleteRecords' offset meaning "up to the high watermark" (Kafka's -1). */
const DELETE_TO_HIGH_WATERMARK = -1;

export const LEADER_EPOCH_CHECKPOINT_FILE = 'leader-epoch-checkpoint';
export const HIGH_WATERMARK_CHECKPOINT_FILE = 'high-watermark';

/** The partition's state as the committed metadata says. */
export interface PartitionAssignment {
  leader: number;
  leaderEpoch: number;
  partitionEpoch: number;
  replicas: readonly number[];
  isr: readonly number[];
}

export interface PartitionSettings {
  brokerId: number;
  /** replica.lag.time.max.ms */
  replicaLagTimeMaxMs: number;
  now: () => number;
  /** Called when the high watermark or log end moved, so the purgatory re-checks waiters. */
  onChange: () => void;
  /** Called once when the replica goes offline because its log failed (see Partition.isOffline). */
  onOffline?: () => void;
}

export type PartitionRole = 'leader' | 'follower';

export interface FollowerFetchResult {
  records: Buffer;
  highWatermark: number;
  logStartOffset: number;
  /** Set when the follower's log diverged: it must truncate to `endOffset` (see OffsetForLeaderEpoch). */
  divergingEpoch: EpochEndOffset | undefined;
}

export interface ConsumerFetchResult {
  records: Buffer;
  highWatermark: number;
  logStartOffset: number;
  logEndOffset: number;
}

/**
 * One partition replica on this broker: its log, its leader epoch history, and the role metadata
 * gives it. As leader it stamps appends with its epoch, tracks followers and moves the high
 * watermark; as follower it appends what the leader sent and truncates what diverged.
 */
export class Partition {
  private epochs: LeaderEpochCache;
  private role: PartitionRole = 'follower';
  private assignment: PartitionAssignment | undefined;
  private leaderState: LeaderReplicationState | undefined;
  private highWatermarkValue: number;
  /** Set once the log failed (a failed fsync): the replica is offline until the broker restarts. */
  private offline: QuillError | undefined;
  private readonly unsubscribe: () => void;
  private readonly unsubscribeFailure: () => void;
  /** Idempotent producers' sequences, rebuilt from the log so they survive restarts and failovers. */
  private readonly producers = new ProducerStateTable();

  constructor(
    readonly key: string,
    readonly log: PartitionLog,
    private readonly settings: PartitionSettings,
  ) {
    // One pass over the log's batch headers rebuilds both the producers' sequences and the epochs.
    this.producers.clear();
    const recovered = recoverLeaderEpochCache(readEpochCheckpoint(this.epochCheckpointPath), log.logEndOffset, (visit) =>
      log.forEachBatchHeader((header) => {
        this.producers.update(header);
        visit(header);
      }),
    );
    this.epochs = recovered.cache;
    if (recovered.changed) writeEpochCheckpoint(this.epochCheckpointPath, this.epochs.all);
    const checkpointed = readOffsetCheckpoint(path.join(log.dir, HIGH_WATERMARK_CHECKPOINT_FILE)) ?? 0;
    this.highWatermarkValue = Math.min(Math.max(checkpointed, log.logStartOffset), log.logEndOffset);
    this.unsubscribe = log.onDurableAdvance(() => this.updateHighWatermark());
    this.unsubscribeFailure = log.onFailure((error) => this.goOffline(error));
  }

  private rebuildProducerState(): void {
    this.producers.clear();
    this.log.forEachBatchHeader((header) => this.producers.update(header));
  }

  private get epochCheckpointPath(): string {
    return path.join(this.log.dir, LEADER_EPOCH_CHECKPOINT_FILE);
  }

  get isLeader(): boolean {
    return this.role === 'leader';
  }

  /**
   * The log failed (a failed fsync leaves what is on disk unknown, as Kafka's offline log dir):
   * the replica neither leads nor follows, serves nothing and accepts nothing until the broker
   * restarts and recovers the log. If metadata names it leader it resigns (isrChangeToPropose).
   */
  get isOffline(): boolean {
    return this.offline !== undefined;
  }

  private goOffline(error: StorageError): void {
    if (this.offline !== undefined) return;
    this.offline = brokerError('KAFKA_STORAGE_ERROR', `${this.key}: the replica is offline after a storage failure (${error.message})`);
    this.role = 'follower';
    this.leaderState = undefined;
    this.settings.onChange();
    this.settings.onOffline?.();
  }

  get leaderEpoch(): number {
    return this.assignment?.leaderEpoch ?? UNDEFINED_EPOCH;
  }

  get partitionEpoch(): number {
    return this.assignment?.partitionEpoch ?? -1;
  }

  get leaderId(): number {
    return this.assignment?.leader ?? -1;
  }

  get highWatermark(): number {
    return this.highWatermarkValue;
  }

  get replicas(): readonly number[] {
    return this.assignment?.replicas ?? [];
  }

  /** The committed ISR (as this leader last applied it, or as metadata says on a follower). */
  get isr(): readonly number[] {
    return this.leaderState?.isr ?? this.assignment?.isr ?? [];
  }

  /** The replicas the high watermark waits for: the committed ISR plus this leader's pending additions. */
  get maximalIsr(): readonly number[] {
    return this.leaderState?.maximalIsr ?? this.isr;
  }

  /** The epoch of the last batch in the log, for a follower's fetch (-1 for an empty log). */
  get lastFetchedEpoch(): number {
    return this.epochs.latestEpoch;
  }

  /**
   * Applies a committed state, from the metadata log or an AlterPartition answer. Returns true if
   * the role or epoch changed. The partition epoch orders them: an older one than applied is stale
   * (an answer overtaken by metadata, or the reverse) and is ignored, and the same one again (every
   * metadata reconcile re-applies each partition) changes nothing, so a pending ISR proposal stays.
   */
  applyAssignment(next: PartitionAssignment): boolean {
    const previous = this.assignment;
    if (previous !== undefined && next.partitionEpoch <= previous.partitionEpoch) return false;
    this.assignment = next;
    if (this.offline !== undefined) return previous === undefined || previous.leaderEpoch !== next.leaderEpoch;
    const isLeader = next.leader === this.settings.brokerId;
    const newEpoch = previous === undefined || previous.leaderEpoch !== next.leaderEpoch;
    if (isLeader && (newEpoch || this.role !== 'leader')) {
      this.becomeLeader(next);
      return true;
    }
    if (!isLeader && (newEpoch || this.role !== 'follower')) {
      this.role = 'follower';
      this.leaderState = undefined;
      return true;
    }
    // Same epoch: only the ISR (or replica set) changed, e.g. our own AlterPartition committed,
    // or a reassignment added or removed followers.
    this.leaderState?.setReplicas(next.replicas, this.settings.now());
    this.leaderState?.setIsr(next.isr);
    this.updateHighWatermark();
    return false;
  }

  private becomeLeader(assignment: PartitionAssignment): void {
    const logEndOffset = this.log.logEndOffset;
    if (this.epochs.assign(assignment.leaderEpoch, logEndOffset)) writeEpochCheckpoint(this.epochCheckpointPath, this.epochs.all);
    this.role = 'leader';
    this.leaderState = new LeaderReplicationState(
      this.settings.brokerId,
      assignment.replicas,
      assignment.isr,
      logEndOffset,
      this.highWatermarkValue,
      this.settings.now(),
    );
    this.updateHighWatermark();
  }

  /** A client request's view of the leader epoch must match ours (Kafka's currentLeaderEpoch check). */
  checkLeaderEpoch(requestEpoch: number | undefined): QuillError | undefined {
    if (requestEpoch === undefined || requestEpoch < 0) return undefined;
    if (requestEpoch < this.leaderEpoch) return brokerError('FENCED_LEADER_EPOCH', `${this.key}: epoch ${requestEpoch} is older than ${this.leaderEpoch}`);
    if (requestEpoch > this.leaderEpoch) return brokerError('UNKNOWN_LEADER_EPOCH', `${this.key}: epoch ${requestEpoch} is newer than ${this.leaderEpoch}`);
    return undefined;
  }

  private requireLeader(): LeaderReplicationState {
    if (this.offline !== undefined) throw this.offline;
    if (this.role !== 'leader' || this.leaderState === undefined) {
      throw brokerError('NOT_LEADER_OR_FOLLOWER', `broker ${this.settings.brokerId} is not the leader of ${this.key}`);
    }
    return this.leaderState;
  }

  /**
   * Appends a producer's batches as leader: offsets and this leader's epoch are stamped into them.
   * With acks=all the ISR must hold at least `minInsyncReplicas` members.
   */
  appendAsLeader(buffer: Buffer, requiredAcks: number, minInsyncReplicas: number, rewrite: BatchRewrite = {}): AppendInfo {
    const state = this.requireLeader();
    if (requiredAcks === -1 && state.isr.length < minInsyncReplicas) {
      throw brokerError(
        'NOT_ENOUGH_REPLICAS',
        `${this.key}: ISR ${JSON.stringify(state.isr)} is smaller than min.insync.replicas ${minInsyncReplicas}`,
      );
    }
    const duplicate = this.checkSequences(buffer);
    if (duplicate !== undefined) return duplicate;
    // The topic's codec and timestamp type are applied once, here: followers copy the leader's bytes.
    const info = this.log.append(rewriteBatches(buffer, rewrite), { assignOffsets: true, leaderEpoch: this.leaderEpoch });
    for (const header of info.batches) this.producers.update(header);
    this.updateHighWatermark();
    this.settings.onChange();
    return info;
  }

  /**
   * Idempotence: a retried batch gets its original offsets back (undefined means "append"); a
   * sequence gap or an old epoch is refused. An idempotent request carries one batch per
   * partition, as in Kafka, so the check is exact.
   */
  private checkSequences(buffer: Buffer): AppendInfo | undefined {
    const first = readBatchHeader(buffer, 0);
    if (first.producerId < 0) return undefined;
    if (first.sizeInBytes !== buffer.length) {
      throw brokerError('INVALID_RECORD', `${this.key}: an idempotent produce must carry one batch per partition`);
    }
    const decision = this.producers.check(first);
    if (decision.kind === 'append') return undefined;
    if (decision.kind === 'reject') throw decision.error;
    return { firstOffset: decision.firstOffset, lastOffset: decision.lastOffset, maxTimestamp: -1, batchCount: 0, recordCount: 0, batches: [] };
  }

  /** A consumer read: only below the high watermark. */
  readForConsumer(offset: number, maxBytes: number): ConsumerFetchResult {
    if (this.offline !== undefined) throw this.offline;
    const { records, logStartOffset, logEndOffset } = this.log.read(offset, { maxBytes, maxOffset: this.highWatermarkValue });
    return { records, highWatermark: this.highWatermarkValue, logStartOffset, logEndOffset };
  }

  /**
   * A follower's fetch: first its last fetched epoch is checked against our history (a follower
   * whose tail diverged gets the epoch and offset to truncate to, and no data); then its position
   * counts for the ISR and the high watermark, and it gets data beyond the high watermark. Its
   * reported log start offset counts for the low watermark (-1: not reported).
   */
  readForFollower(
    followerId: number,
    fetchOffset: number,
    lastFetchedEpoch: number,
    durableOffset: number,
    maxBytes: number,
    followerLogStartOffset = -1,
  ): FollowerFetchResult {
    const state = this.requireLeader();
    if (!state.isReplica(followerId)) {
      throw brokerError('NOT_LEADER_OR_FOLLOWER', `broker ${followerId} is not a replica of ${this.key}`);
    }
    if (state.onFollowerLogStart(followerId, followerLogStartOffset)) this.settings.onChange();
    const logEndOffset = this.log.logEndOffset;
    if (lastFetchedEpoch !== UNDEFINED_EPOCH) {
      const epochEnd = this.epochs.endOffsetFor(lastFetchedEpoch, logEndOffset);
      if (epochEnd.endOffset < fetchOffset || epochEnd.epoch < lastFetchedEpoch) {
        return { records: Buffer.alloc(0), highWatermark: this.highWatermarkValue, logStartOffset: this.log.logStartOffset, divergingEpoch: epochEnd };
      }
    }
    if (fetchOffset > logEndOffset) {
      throw brokerError('OFFSET_OUT_OF_RANGE', `${this.key}: follower ${followerId} fetches ${fetchOffset} beyond the log end ${logEndOffset}`);
    }
    state.onFollowerFetch(followerId, fetchOffset, durableOffset, this.settings.now(), logEndOffset);
    this.updateHighWatermark();
    // Max bytes 0: the follower's replication throttle paused this partition; it still hears the high watermark.
    if (maxBytes <= 0) return { records: Buffer.alloc(0), highWatermark: this.highWatermarkValue, logStartOffset: this.log.logStartOffset, divergingEpoch: undefined };
    const { records, logStartOffset } = this.log.read(fetchOffset, { maxBytes });
    return { records, highWatermark: this.highWatermarkValue, logStartOffset, divergingEpoch: undefined };
  }

  /**
   * A follower fetched again with the state it fetched with before, and this leader has nothing
   * new for it: it is still caught up (keeps it in the ISR) without a read. An incremental
   * ReplicaFetchStream request leaves such partitions out.
   */
  followerStillCaughtUp(followerId: number, fetchOffset: number, durableOffset: number): void {
    if (this.role !== 'leader' || this.leaderState === undefined) return;
    this.leaderState.onFollowerFetch(followerId, fetchOffset, durableOffset, this.settings.now(), this.log.logEndOffset);
  }

  /** Where `epoch` ends in this log (OffsetForLeaderEpoch). */
  endOffsetForEpoch(epoch: number): EpochEndOffset {
    return this.epochs.endOffsetFor(epoch, this.log.logEndOffset);
  }

  /**
   * Leader side of DeleteRecords: records below `offset` (the high watermark when -1) are deleted,
   * never past the high watermark. Followers follow through the log start offset in fetch answers
   * (the change notification wakes their long polls). Returns the new log start offset.
   */
  deleteRecordsBefore(offset: number): number {
    if (this.offline !== undefined) throw this.offline;
    if (!this.isLeader) throw brokerError('NOT_LEADER_OR_FOLLOWER', `${this.key} is not led by broker ${this.settings.brokerId}`);
    const target = offset === DELETE_TO_HIGH_WATERMARK ? this.highWatermarkValue : offset;
    const logStartOffset = this.log.deleteRecordsBefore(target, this.highWatermarkValue);
    this.settings.onChange();
    return logStartOffset;
  }

  /**
   * The lowest log start offset over this leader and its in-sync followers, as their fetches
   * reported it (-1 for a follower that has not fetched yet); on a follower its own log start.
   */
  get lowWatermark(): number {
    return this.leaderState?.lowWatermark(this.log.logStartOffset) ?? this.log.logStartOffset;
  }

  /**
   * A follower appends the leader's batches unchanged, recording epochs as they first appear, and
   * follows the leader's log start offset (records deleted there are deleted here).
   */
  appendAsFollower(records: Buffer, leaderHighWatermark: number, leaderLogStartOffset = -1): void {
    if (this.offline !== undefined) throw this.offline;
    if (records.length > 0) {
      const restartedAt = this.startAtBatchHoldingLogStart(records);
      const info = this.log.append(records, { assignOffsets: false });
      // Epochs are recorded only for what the log took: a refused append leaves the history as it was.
      let epochsChanged = false;
      for (const header of info.batches) {
        this.producers.update(header);
        epochsChanged = this.epochs.assign(header.partitionLeaderEpoch, header.baseOffset) || epochsChanged;
      }
      if (epochsChanged) writeEpochCheckpoint(this.epochCheckpointPath, this.epochs.all);
      if (restartedAt !== undefined) this.advanceFollowerLogStart(restartedAt);
    }
    this.setFollowerHighWatermark(leaderHighWatermark);
    // Capped at our high watermark, so the start never passes what this replica knows is committed.
    if (leaderLogStartOffset > this.log.logStartOffset) this.advanceFollowerLogStart(Math.min(leaderLogStartOffset, this.highWatermarkValue));
  }

  /**
   * An empty follower log starting inside the leader's first batch (the leader's log start was
   * moved into a batch, and reads return whole batches) cannot take that batch at its log end:
   * it restarts empty at the batch's base offset instead. Returns the log start to restore once
   * the batch is appended, or undefined when the batch follows the log end as it is.
   */
  private startAtBatchHoldingLogStart(records: Buffer): number | undefined {
    const { logStartOffset, logEndOffset } = this.log;
    if (logEndOffset !== logStartOffset) return undefined;
    const first = readBatchHeader(records, 0);
    if (!(first.baseOffset < logEndOffset && logEndOffset <= first.lastOffset)) return undefined;
    this.truncateFullyAndStartAt(first.baseOffset);
    return logStartOffset;
  }

  /** Moves this follower's log start offset (durably) and keeps the high watermark at or above it. */
  private advanceFollowerLogStart(offset: number): void {
    const start = this.log.advanceLogStartOffset(offset);
    if (this.highWatermarkValue < start) this.highWatermarkValue = start;
  }

  setFollowerHighWatermark(leaderHighWatermark: number): void {
    const bounded = Math.min(leaderHighWatermark, this.log.logEndOffset);
    if (bounded > this.highWatermarkValue) {
      this.highWatermarkValue = bounded;
      this.settings.onChange();
    }
  }

  /**
   * Follower side of a divergence answer: truncates to where the leader's epoch ends, or where ours
   * does if that is earlier (the leader may not know our epoch at all). Returns the new log end; the
   * next fetch carries the new last epoch, so repeated answers walk back until the logs agree.
   */
  truncateOnDivergence(diverging: EpochEndOffset): number {
    const logEndOffset = this.log.logEndOffset;
    let target: number;
    if (diverging.endOffset < 0) {
      // The leader knows no epoch up to ours: only what was committed is certainly shared.
      target = this.highWatermarkValue;
    } else {
      const local = this.epochs.endOffsetFor(diverging.epoch, logEndOffset);
      target = local.endOffset < 0 ? diverging.endOffset : Math.min(diverging.endOffset, local.endOffset);
    }
    this.truncateTo(Math.min(target, logEndOffset));
    return this.log.logEndOffset;
  }

  /** Cuts a divergent tail (follower side) and forgets the epochs that lived in it. */
  truncateTo(offset: number): void {
    this.log.truncateTo(offset);
    this.rebuildProducerState();
    this.epochs.truncateFromEnd(this.log.logEndOffset);
    writeEpochCheckpoint(this.epochCheckpointPath, this.epochs.all);
    if (this.highWatermarkValue > this.log.logEndOffset) this.highWatermarkValue = this.log.logEndOffset;
  }

  /** The follower is behind the leader's log start: restart empty there. */
  truncateFullyAndStartAt(offset: number): void {
    this.log.truncateFullyAndStartAt(offset);
    this.producers.clear();
    this.epochs.truncateFromEnd(offset);
    writeEpochCheckpoint(this.epochCheckpointPath, this.epochs.all);
    this.highWatermarkValue = offset;
  }

  /**
   * The ISR change to propose to the controller now, if any (leader only); it counts as proposed
   * from here. An offline replica that metadata names leader proposes to leave the ISR: the
   * controller takes that as a resignation and elects another ISR member.
   */
  isrChangeToPropose(): IsrChange | undefined {
    if (this.offline !== undefined) {
      const me = this.settings.brokerId;
      if (this.assignment?.leader !== me) return undefined;
      return { isr: this.assignment.isr.filter((id) => id !== me), removed: [me], added: [] };
    }
    return this.leaderState?.proposeIsrChange(this.settings.now(), this.settings.replicaLagTimeMaxMs);
  }

  /** The controller refused the pending ISR proposal at the current partition epoch, so it never applies. */
  abandonIsrProposal(): void {
    this.leaderState?.abandonProposal();
    this.updateHighWatermark();
  }

  private updateHighWatermark(): void {
    if (this.leaderState === undefined) return;
    const before = this.highWatermarkValue;
    this.highWatermarkValue = Math.min(this.leaderState.updateHighWatermark(this.log.durableEndOffset), this.log.logEndOffset);
    if (this.highWatermarkValue > before) this.settings.onChange();
  }

  /** Persists the high watermark so a restart does not expose less (or more) than it had. */
  checkpointHighWatermark(): void {
    writeOffsetCheckpoint(path.join(this.log.dir, HIGH_WATERMARK_CHECKPOINT_FILE), this.highWatermarkValue);
  }

  async close(): Promise<void> {
    this.unsubscribe();
    this.unsubscribeFailure();
    // An offline replica's disk state is unknown: restart recovery, not a checkpoint, decides.
    if (this.offline === undefined) this.checkpointHighWatermark();
    await this.log.close();
  }
}
