import type { Message } from '@quill/client';

/**
 * Estimated bytes a record adds to a RecordBatch beyond its value: the varints of its length,
 * timestamp and offset deltas, key and value lengths, the attributes byte and the header count.
 * Kafka's batch.size is checked against such an estimate too, before compression.
 */
export const RECORD_OVERHEAD_BYTES = 10;
/** The fixed RecordBatch v2 header (baseOffset through record count). */
export const BATCH_HEADER_BYTES = 61;

export interface AccumulatorOptions {
  /** Partition ids to spread batches over. */
  partitions: readonly number[];
  /** Index in `partitions` of the first batch's partition, so several producers start apart. */
  firstPartitionIndex: number;
  /** A batch is sent once its estimated size reaches this (Kafka's batch.size). */
  batchSizeBytes: number;
  /** ... or once its first record has waited this long (Kafka's linger.ms). */
  lingerMs: number;
  /** Sends in flight at most; then `add` makes the caller wait (max.in.flight.requests). */
  maxInFlight: number;
  /** The ms clock latencies are measured with. */
  now: () => number;
  /** Sends one batch (records of one partition, each naming it) and resolves once it is acknowledged. */
  send: (messages: Message[]) => Promise<void>;
  /** Called once per acknowledged batch, with when each of its records was added and when it was acknowledged. */
  onAcknowledged: (batch: AcknowledgedBatch) => void;
}

export interface AcknowledgedBatch {
  partition: number;
  records: number;
  /** Sum of the records' value sizes. */
  bytes: number;
  /** When each record was handed to `add`, on the `now` clock. */
  addedAt: readonly number[];
  acknowledgedAt: number;
}

interface Batch {
  partition: number;
  messages: Message[];
  addedAt: number[];
  bytes: number;
  estimatedBytes: number;
}

/**
 * A producer's batching done by the benchmark itself, left for `bench e2e`, which paces records
 * one by one (`bench produce` uses the client producer's own accumulator). As Kafka's accumulator does for
 * keyless records (sticky partitioning): records fill one partition's batch, then the next
 * partition's; a batch is ready once full (`batchSizeBytes`) or once its first record waited
 * `lingerMs`, and ready batches go out while fewer than `maxInFlight` are being sent. A lingered
 * batch that finds every slot busy keeps filling until one frees, so batches grow under load
 * instead of queueing up. Memory stays bounded: besides the batches in flight there is one open
 * batch and at most one full batch waiting for a slot, and `add` asks the caller to wait while
 * there is one.
 */
export class BatchAccumulator {
  private open: Batch | undefined;
  /** Set when the open batch's first record has waited `lingerMs`: it goes at the next free slot. */
  private lingered = false;
  private readonly full: Batch[] = [];
  private inFlight = 0;
  private nextPartitionIndex: number;
  private lingerTimer: NodeJS.Timeout | undefined;
  private failure: { error: unknown } | undefined;
  private wakeUps: Array<() => void> = [];
  private sendsStarted = 0;

  constructor(private readonly options: AccumulatorOptions) {
    if (options.partitions.length === 0) throw new RangeError('the accumulator needs at least one partition');
    this.nextPartitionIndex = options.firstPartitionIndex % options.partitions.length;
  }

  /** Batches sent so far. */
  get sends(): number {
    return this.sendsStarted;
  }

  /**
   * Adds a record with this value. Returns undefined when the caller may add the next one at
   * once, or a promise to wait for first (a full batch is waiting for a free slot). Throws, or
   * rejects, with the error of a failed send: nothing more is sent after one.
   */
  add(value: Buffer): Promise<void> | undefined {
    if (this.failure) throw this.failure.error;
    let batch = this.open;
    if (batch === undefined) {
      batch = this.open = this.newBatch();
      this.lingered = false;
      this.lingerTimer = setTimeout(() => {
        this.lingered = true;
        this.drain();
      }, this.options.lingerMs);
    }
    batch.messages.push({ value, partition: batch.partition });
    batch.addedAt.push(this.options.now());
    batch.bytes += value.length;
    batch.estimatedBytes += value.length + RECORD_OVERHEAD_BYTES;
    if (batch.estimatedBytes >= this.options.batchSizeBytes) {
      this.full.push(this.takeOpen());
      this.drain();
    }
    return this.full.length > 0 ? this.waitUntil(() => this.full.length === 0) : undefined;
  }

  /** Sends the open batch as soon as a slot allows and resolves once every batch is acknowledged. */
  async flush(): Promise<void> {
    this.lingered = true;
    this.drain();
    await this.waitUntil(() => this.inFlight === 0 && this.full.length === 0 && this.open === undefined);
  }

  private newBatch(): Batch {
    const { partitions } = this.options;
    const partition = partitions[this.nextPartitionIndex]!;
    this.nextPartitionIndex = (this.nextPartitionIndex + 1) % partitions.length;
    return { partition, messages: [], addedAt: [], bytes: 0, estimatedBytes: BATCH_HEADER_BYTES };
  }

  /** The open batch, closed: the next record starts a new one on the next partition. */
  private takeOpen(): Batch {
    const batch = this.open!;
    this.open = undefined;
    this.lingered = false;
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    return batch;
  }

  /** Starts sending ready batches, full ones first, while slots are free. */
  private drain(): void {
    while (this.failure === undefined && this.inFlight < this.options.maxInFlight) {
      if (this.full.length > 0) this.start(this.full.shift()!);
      else if (this.open !== undefined && this.lingered) this.start(this.takeOpen());
      else return;
    }
  }

  private start(batch: Batch): void {
    this.inFlight++;
    this.sendsStarted++;
    this.options.send(batch.messages).then(
      () => {
        this.inFlight--;
        this.options.onAcknowledged({
          partition: batch.partition,
          records: batch.messages.length,
          bytes: batch.bytes,
          addedAt: batch.addedAt,
          acknowledgedAt: this.options.now(),
        });
        this.drain();
        this.wake();
      },
      (error: unknown) => {
        this.inFlight--;
        this.failure ??= { error };
        this.wake();
      },
    );
  }

  private wake(): void {
    const wakeUps = this.wakeUps;
    this.wakeUps = [];
    for (const wakeUp of wakeUps) wakeUp();
  }

  private async waitUntil(condition: () => boolean): Promise<void> {
    for (;;) {
      if (this.failure) throw this.failure.error;
      if (condition()) return;
      await new Promise<void>((resolve) => this.wakeUps.push(resolve));
    }
  }
}
