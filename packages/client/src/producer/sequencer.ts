const INT32_MAX = 2 ** 31 - 1;

/** What the sequencer needs of a batch. */
export interface SequencedBatch {
  /** Creation order: within a partition, the order batches were taken and sequenced in. */
  readonly id: number;
  /** `topic\0partition`. */
  readonly key: string;
  /** The first record's sequence number; -1 for a batch without idempotence. */
  baseSequence: number;
}

interface PartitionPipeline<B extends SequencedBatch> {
  /**
   * The id of the topic its sequences and unsettled batches belong to: a topic deleted and
   * re-created under the same name is another topic, where the producer starts at sequence 0.
   */
  topicId: string | undefined;
  nextSequence: number;
  /**
   * Every batch sent since the oldest one not yet acknowledged or failed, in id order (answered
   * ones included): the broker appended at most these after that one, so keeping them at most
   * `maxInFlightPerPartition` keeps its retry among the producer's last batches the broker
   * remembers (5), even when answers come back in another order than the requests went.
   */
  window: B[];
  /** Sent and not answered yet, oldest first. */
  inFlight: B[];
  /** Failed retriably, waiting to go again; sorted by id. */
  retries: Array<{ batch: B; dueAtMs: number }>;
  /** A sequenced batch failed for good: later sequences can never be appended under this producer id. */
  poisoned: boolean;
}

/**
 * Per partition: the batches in flight, the ones waiting to be retried, and (with idempotence)
 * the next sequence number. No I/O, no clock: the sender asks it what may go and reports what
 * happened. The rules that keep a partition's batches in order:
 * - new batches go while none waits for a retry and fewer than `maxInFlightPerPartition` were
 *   sent since the oldest batch not settled yet (acknowledged or failed for good);
 * - retries go one at a time, oldest first, and only when nothing of the partition is in flight,
 *   so a retried batch never overtakes an older one (the broker rejects an out-of-order sequence
 *   anyway; this keeps that from happening in a loop).
 */
export class Sequencer<B extends SequencedBatch> {
  private readonly partitions = new Map<string, PartitionPipeline<B>>();
  /** Batches sent while an older batch of their partition was still unanswered or waiting for a retry. */
  private readonly sentBehindOlder = new WeakSet<B>();
  /** Batches acknowledged or failed for good. */
  private readonly settledBatches = new WeakSet<B>();

  constructor(private readonly maxInFlightPerPartition: number) {
    if (!(maxInFlightPerPartition >= 1)) throw new RangeError(`maxInFlightPerPartition must be at least 1, got ${maxInFlightPerPartition}`);
  }

  /**
   * May a new batch of this partition, for topic `topicId`, be sent now? Not while batches of
   * another topic of its name are unsettled: they are settled or `rebind`-ed first.
   */
  canSendNew(key: string, topicId: string): boolean {
    const p = this.partitions.get(key);
    if (p === undefined) return true;
    if (p.topicId !== topicId && hasUnsettled(p)) return false;
    return !p.poisoned && p.retries.length === 0 && p.window.length < this.maxInFlightPerPartition;
  }

  /** The topic id the partition's sequences belong to, if it has any. */
  topicIdOf(key: string): string | undefined {
    return this.partitions.get(key)?.topicId;
  }

  /**
   * A new batch of the partition is for topic `topicId`: when that is another topic than the
   * one its sequences belong to, they start again at 0. Only when `canSendNew` allows it.
   */
  bind(key: string, topicId: string): void {
    const p = this.pipeline(key);
    if (p.topicId === topicId) return;
    if (hasUnsettled(p)) throw new Error(`invariant: ${describeKey(key)} is bound to another topic id while batches of ${p.topicId} are unsettled`);
    p.topicId = topicId;
    p.nextSequence = 0;
    p.poisoned = false;
  }

  /**
   * The partition's name now denotes topic `topicId`, not the one its unsettled batches were
   * for: they (all waiting for a retry, none in flight) are taken out and returned in id order,
   * and the partition starts again at sequence 0 under `topicId`, not poisoned (the old
   * topic's sequence gaps went with it). The caller fails each or `assignSequence`s it anew and
   * queues it with `retryLater`.
   */
  rebind(key: string, topicId: string): B[] {
    const p = this.pipeline(key);
    if (p.inFlight.length > 0) throw new Error(`invariant: ${describeKey(key)} is rebound while batches are in flight`);
    const waiting = p.retries.map((r) => r.batch);
    p.topicId = topicId;
    p.nextSequence = 0;
    p.poisoned = false;
    p.retries = [];
    p.window = [];
    return waiting;
  }

  /** The retry of this partition that may go now, if any. */
  dueRetry(key: string, nowMs: number): B | undefined {
    const p = this.partitions.get(key);
    if (p === undefined || p.inFlight.length > 0) return undefined;
    const first = p.retries[0];
    return first !== undefined && first.dueAtMs <= nowMs ? first.batch : undefined;
  }

  /** Partitions with a retry due now, and when the next one not yet due will be. */
  retries(nowMs: number): { due: string[]; nextDueAtMs: number | undefined } {
    const due: string[] = [];
    let nextDueAtMs: number | undefined;
    for (const [key, p] of this.partitions) {
      const first = p.retries[0];
      if (first === undefined || p.inFlight.length > 0) continue;
      if (first.dueAtMs <= nowMs) due.push(key);
      else if (nextDueAtMs === undefined || first.dueAtMs < nextDueAtMs) nextDueAtMs = first.dueAtMs;
    }
    return { due, nextDueAtMs };
  }

  /** Reserves `count` sequence numbers for a new batch of the partition; returns the first. They wrap at 2^31-1, as Kafka's. */
  assignSequence(key: string, count: number): number {
    const p = this.pipeline(key);
    const first = p.nextSequence;
    p.nextSequence = (first + count) % (INT32_MAX + 1);
    return first;
  }

  /** The batch was sent (first time or retry). */
  sent(batch: B): void {
    const p = this.pipeline(batch.key);
    const retry = p.retries[0];
    if (retry !== undefined && retry.batch === batch) p.retries.shift();
    if (p.inFlight.length > 0 || p.retries.some((r) => r.batch.id < batch.id)) this.sentBehindOlder.add(batch);
    else this.sentBehindOlder.delete(batch);
    p.inFlight.push(batch);
    if (!p.window.includes(batch)) p.window.push(batch);
  }

  /** The batch is answered (acknowledged, or failed: then `retryLater` or `failed` follows). */
  answered(batch: B): void {
    const p = this.partitions.get(batch.key);
    const index = p?.inFlight.indexOf(batch) ?? -1;
    if (index < 0) throw new Error(`invariant: batch ${batch.id} of ${describeKey(batch.key)} is not in flight`);
    p!.inFlight.splice(index, 1);
    this.forgetIfIdle(batch.key);
  }

  /** The (answered) batch is acknowledged: it leaves the partition's window. */
  acknowledged(batch: B): void {
    this.leaveWindow(batch);
    this.forgetIfIdle(batch.key);
  }

  /**
   * Whether an OUT_OF_ORDER_SEQUENCE_NUMBER answer for this (answered) batch may only mean it
   * overtook an older one: an older batch of the partition is still unanswered or waiting for a
   * retry, or was when this one was sent (requests on one connection may reach the broker in
   * another order). Otherwise the broker truly lacks the sequences before it.
   */
  mayHaveOvertaken(batch: B): boolean {
    if (this.sentBehindOlder.has(batch)) return true;
    const p = this.partitions.get(batch.key);
    if (p === undefined) return false;
    return p.inFlight.some((b) => b.id < batch.id) || p.retries.some((r) => r.batch.id < batch.id);
  }

  /** Queues the batch to go again at `dueAtMs`, in id order among the partition's retries. */
  retryLater(batch: B, dueAtMs: number): void {
    const p = this.pipeline(batch.key);
    let at = p.retries.length;
    while (at > 0 && p.retries[at - 1]!.batch.id > batch.id) at--;
    p.retries.splice(at, 0, { batch, dueAtMs });
  }

  /**
   * The batch failed for good (not in flight any more). With idempotence its partition is
   * poisoned: the newer retries waiting in it can never be appended under this producer id, so
   * they are returned to fail too, and no new batch goes until `reset()`.
   */
  failed(batch: B): B[] {
    this.leaveWindow(batch);
    if (batch.baseSequence < 0) {
      this.forgetIfIdle(batch.key);
      return [];
    }
    const p = this.pipeline(batch.key);
    p.poisoned = true;
    const doomed = p.retries.filter((r) => r.batch.id > batch.id && r.batch.baseSequence >= 0).map((r) => r.batch);
    p.retries = p.retries.filter((r) => !doomed.includes(r.batch));
    for (const later of doomed) this.leaveWindow(later);
    return doomed;
  }

  /** True when some partition is poisoned (the producer needs a new id). */
  get needsReset(): boolean {
    for (const p of this.partitions.values()) if (p.poisoned) return true;
    return false;
  }

  /** Nothing in flight, unsettled or waiting for a retry anywhere. */
  get isIdle(): boolean {
    for (const p of this.partitions.values()) if (p.inFlight.length > 0 || p.retries.length > 0 || p.window.length > 0) return false;
    return true;
  }

  /** For a new producer id: every partition starts again at sequence 0. Only when idle. */
  reset(): void {
    if (!this.isIdle) throw new Error('invariant: the sequencer is reset only when nothing is in flight or waiting');
    this.partitions.clear();
  }

  /** Marks the batch settled; the window keeps only what follows the oldest unsettled batch. */
  private leaveWindow(batch: B): void {
    const p = this.partitions.get(batch.key);
    if (p === undefined) return;
    this.settledBatches.add(batch);
    while (p.window.length > 0 && this.settledBatches.has(p.window[0]!)) p.window.shift();
  }

  private pipeline(key: string): PartitionPipeline<B> {
    let p = this.partitions.get(key);
    if (p === undefined) {
      p = { topicId: undefined, nextSequence: 0, window: [], inFlight: [], retries: [], poisoned: false };
      this.partitions.set(key, p);
    }
    return p;
  }

  /** A partition without sequence state worth keeping is dropped, so the map stays as small as the active set. */
  private forgetIfIdle(key: string): void {
    const p = this.partitions.get(key);
    if (p !== undefined && p.nextSequence === 0 && !p.poisoned && p.window.length === 0 && p.inFlight.length === 0 && p.retries.length === 0) {
      this.partitions.delete(key);
    }
  }
}

function hasUnsettled(p: PartitionPipeline<SequencedBatch>): boolean {
  return p.inFlight.length > 0 || p.retries.length > 0 || p.window.length > 0;
}

function describeKey(key: string): string {
  return key.replace('\u0000', '-');
}
