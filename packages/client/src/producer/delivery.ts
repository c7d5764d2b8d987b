import type { QuillError } from '@quill/proto';
import type { BatchDraft } from './record-batch-draft.js';
import type { RecordMetadata } from './types.js';

/** Where an acknowledged batch landed. */
export interface BatchAck {
  /** Offset of the batch's first record; -1 with acks 0. */
  baseOffset: number;
  logAppendTime: number;
  logStartOffset: number;
}

interface FirstRecord {
  topic: string;
  partition: number;
  batch: BatchDraft;
  index: number;
}

/**
 * The outcome of one `send`/`sendBatch` call, whose records may sit in several batches (of
 * several partitions, and more than one per partition when they exceed batchSize). Resolves
 * with one RecordMetadata per partition, in order of first appearance, once every batch is
 * acknowledged; rejects with the first batch failure.
 */
export class Delivery {
  readonly promise: Promise<RecordMetadata[]>;
  private resolvePromise!: (results: RecordMetadata[]) => void;
  private rejectPromise!: (error: unknown) => void;
  private readonly firsts = new Map<string, FirstRecord>();
  private readonly results = new Map<string, RecordMetadata>();
  private readonly pending = new Set<BatchDraft>();
  /** The batch the previous record went to: consecutive records mostly share one. */
  private lastBatch: BatchDraft | undefined;
  private sealed = false;
  private settled = false;

  constructor() {
    this.promise = new Promise<RecordMetadata[]>((resolve, reject) => {
      this.resolvePromise = resolve;
      this.rejectPromise = reject;
    });
  }

  /** A record of this send went into `batch` at `index`. Returns true the first time this batch is seen. */
  add(batch: BatchDraft, index: number): boolean {
    if (batch === this.lastBatch) return false;
    this.lastBatch = batch;
    if (!this.firsts.has(batch.key)) this.firsts.set(batch.key, { topic: batch.topic, partition: batch.partition, batch, index });
    if (this.pending.has(batch)) return false;
    this.pending.add(batch);
    return true;
  }

  /** Every record was added: the send settles once its batches do. */
  seal(): void {
    this.sealed = true;
    this.settleIfDone();
  }

  acknowledged(batch: BatchDraft, ack: BatchAck): void {
    if (!this.pending.delete(batch)) return;
    for (const [key, first] of this.firsts) {
      if (first.batch !== batch) continue;
      this.results.set(key, {
        topicName: first.topic,
        partition: first.partition,
        errorCode: 0,
        baseOffset: ack.baseOffset < 0 ? -1 : ack.baseOffset + first.index,
        logAppendTime: ack.logAppendTime,
        logStartOffset: ack.logStartOffset,
      });
    }
    this.settleIfDone();
  }

  failed(error: QuillError | Error): void {
    if (this.settled) return;
    this.settled = true;
    this.rejectPromise(error);
  }

  private settleIfDone(): void {
    if (this.settled || !this.sealed || this.pending.size > 0) return;
    this.settled = true;
    this.resolvePromise([...this.firsts.keys()].map((key) => this.results.get(key)!));
  }
}
