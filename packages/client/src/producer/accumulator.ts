import {
  BATCH_HEADER_BYTES,
  partitionKey,
  sameSettings,
  type BatchDraft,
  type BatchSettings,
} from './record-batch-draft.js';
import { RecordBatchBuilder, type RecordInput } from '@quill/records';

export interface AccumulatorOptions {
  /** A batch is ready once its estimated size reaches this (Kafka's batch.size). */
  batchSizeBytes: number;
  /** ... or once its first record has waited this long, in ms (Kafka's linger.ms). */
  lingerMs: number;
}

/** Partitions whose first batch may be sent now, and when the next one will be. */
export interface ReadyPartitions {
  /** Partition keys, in a rotating order so no partition is always last when requests fill up. */
  keys: string[];
  /** When the earliest batch that is not ready yet will be (its linger ends), on the same clock; undefined if none. */
  nextReadyAtMs: number | undefined;
}

interface PartitionQueue {
  topic: string;
  partition: number;
  /** Oldest first; only the last one is open for more records. */
  batches: BatchDraft[];
}

/**
 * Kafka's RecordAccumulator, without I/O or clock: per partition a queue of batches, filled up
 * to `batchSizeBytes`; a partition is ready when its first batch is full, has lingered
 * `lingerMs`, or the caller says everything must go (flush, or a full buffer someone waits on).
 * The sender takes first batches of ready partitions; nothing here sends or encodes.
 */
export class RecordAccumulator {
  private readonly queues = new Map<string, PartitionQueue>();
  /** Partition keys by topic and partition: built once, as appends look them up per record. */
  private readonly keys = new Map<string, string[]>();
  /** Encoded size of each partition's last batch taken: a new batch's builder starts that large. */
  private readonly lastBatchBytes = new Map<string, number>();
  private nextBatchId = 0;
  private rotation = 0;

  constructor(private readonly options: AccumulatorOptions) {
    if (!(options.batchSizeBytes > 0)) throw new RangeError(`batchSize must be positive, got ${options.batchSizeBytes}`);
    if (!(options.lingerMs >= 0)) throw new RangeError(`lingerMs must be non-negative, got ${options.lingerMs}`);
  }

  /** True when no batch is waiting. */
  get isEmpty(): boolean {
    return this.queues.size === 0;
  }

  /**
   * Encodes a record into the partition's open batch, or into a new one when it would not fit,
   * and returns that batch (the record is its last; no object per record is kept). With
   * `abortOnNewBatch` it adds nothing and returns undefined instead of opening a batch (sticky
   * partitioning then moves on to another partition, as Kafka's append does, KIP-480).
   */
  append(topic: string, partition: number, record: RecordInput, recordBytes: number, settings: BatchSettings, nowMs: number, abortOnNewBatch: true): BatchDraft | undefined;
  append(topic: string, partition: number, record: RecordInput, recordBytes: number, settings: BatchSettings, nowMs: number, abortOnNewBatch?: false): BatchDraft;
  append(topic: string, partition: number, record: RecordInput, recordBytes: number, settings: BatchSettings, nowMs: number, abortOnNewBatch = false): BatchDraft | undefined {
    const key = this.keyOf(topic, partition);
    let queue = this.queues.get(key);
    let batch = queue?.batches[queue.batches.length - 1];
    if (batch !== undefined && this.fits(batch, recordBytes, settings)) {
      batch.builder.append(record, nowMs);
      batch.estimatedBytes += recordBytes;
      return batch;
    }
    if (abortOnNewBatch) return undefined;
    const opened: BatchDraft = {
      id: this.nextBatchId++,
      key,
      topic,
      partition,
      settings,
      createdAtMs: nowMs,
      builder: new RecordBatchBuilder(this.options.batchSizeBytes, this.lastBatchBytes.get(key)),
      estimatedBytes: BATCH_HEADER_BYTES + recordBytes,
    };
    // Encoded before the batch is queued: a record that cannot be encoded leaves no empty batch behind.
    opened.builder.append(record, nowMs);
    if (queue === undefined) {
      queue = { topic, partition, batches: [] };
      this.queues.set(key, queue);
    }
    queue.batches.push(opened);
    return opened;
  }

  /**
   * The partitions whose first batch may go now: it is full (or followed by another), has
   * lingered, or `sendAll` is set (flush, or a full buffer).
   */
  ready(nowMs: number, sendAll: boolean): ReadyPartitions {
    const keys: string[] = [];
    let nextReadyAtMs: number | undefined;
    for (const [key, queue] of this.queues) {
      const first = queue.batches[0]!;
      const lingerEndsMs = first.createdAtMs + this.options.lingerMs;
      if (sendAll || queue.batches.length > 1 || first.estimatedBytes >= this.options.batchSizeBytes || nowMs >= lingerEndsMs) {
        keys.push(key);
      } else if (nextReadyAtMs === undefined || lingerEndsMs < nextReadyAtMs) {
        nextReadyAtMs = lingerEndsMs;
      }
    }
    if (keys.length > 1) {
      const start = this.rotation++ % keys.length;
      return { keys: [...keys.slice(start), ...keys.slice(0, start)], nextReadyAtMs };
    }
    return { keys, nextReadyAtMs };
  }

  /** The first batch of a partition, without taking it. */
  peek(key: string): BatchDraft | undefined {
    return this.queues.get(key)?.batches[0];
  }

  /** Takes the first batch of a partition for sending: it is closed to more records. */
  take(key: string): BatchDraft {
    const queue = this.queues.get(key);
    const batch = queue?.batches.shift();
    if (queue === undefined || batch === undefined) throw new Error(`invariant: no batch to take for ${key.replace('\u0000', '-')}`);
    if (queue.batches.length === 0) this.queues.delete(key);
    this.lastBatchBytes.set(key, batch.builder.sizeInBytes);
    return batch;
  }

  /** Removes every batch (the producer is closing for good). */
  takeAll(): BatchDraft[] {
    const all = [...this.queues.values()].flatMap((q) => q.batches);
    this.queues.clear();
    return all;
  }

  private keyOf(topic: string, partition: number): string {
    let keys = this.keys.get(topic);
    if (keys === undefined) {
      keys = [];
      this.keys.set(topic, keys);
    }
    return (keys[partition] ??= partitionKey(topic, partition));
  }

  /** A record joins a batch of the same settings while it fits; a first record always does. */
  private fits(batch: BatchDraft, recordBytes: number, settings: BatchSettings): boolean {
    if (!sameSettings(batch.settings, settings)) return false;
    return batch.builder.recordCount === 0 || batch.estimatedBytes + recordBytes <= this.options.batchSizeBytes;
  }
}
