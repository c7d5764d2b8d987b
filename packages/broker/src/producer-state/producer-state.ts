import type { QuillError } from '@quill/proto';
import type { BatchHeader } from '@quill/records';
import { brokerError } from '../errors.js';

/** Kafka keeps the last five batches per producer, so a retry of any of them is recognised. */
export const CACHED_BATCHES_PER_PRODUCER = 5;
/** Bounds memory: producers beyond this many per partition are forgotten oldest-first. */
export const PRODUCERS_PER_PARTITION_MAX = 10_000;

const NO_PRODUCER_ID = -1;
const INT32_MAX = 2 ** 31 - 1;

interface CachedBatch {
  firstSequence: number;
  lastSequence: number;
  firstOffset: number;
  lastOffset: number;
}

interface ProducerEntry {
  epoch: number;
  batches: CachedBatch[];
}

/** What to do with an incoming batch of an idempotent producer. */
export type SequenceCheck =
  | { kind: 'append' }
  /** A retry of a batch already in the log: answer with its original offsets, append nothing. */
  | { kind: 'duplicate'; firstOffset: number; lastOffset: number }
  | { kind: 'reject'; error: QuillError };

/** Sequence numbers wrap at Int32.MAX_VALUE, as in Kafka. */
function nextSequence(sequence: number): number {
  return sequence === INT32_MAX ? 0 : sequence + 1;
}

function lastSequenceOf(header: BatchHeader): number {
  const last = header.baseSequence + header.lastOffsetDelta;
  return last > INT32_MAX ? last - INT32_MAX - 1 : last;
}

/**
 * The idempotence state of one partition: per producer id, its epoch and its last batches'
 * sequence ranges and offsets. Pure: it is fed the batches of the log (appends, or a replay of the
 * log after a restart, leader change or truncation), so every replica rebuilds the same state.
 */
export class ProducerStateTable {
  private readonly producers = new Map<number, ProducerEntry>();

  get size(): number {
    return this.producers.size;
  }

  /** Decides whether a leader may append `header`'s batch (it carries a producer id and sequence). */
  check(header: BatchHeader): SequenceCheck {
    if (header.producerId === NO_PRODUCER_ID) return { kind: 'append' };
    const entry = this.producers.get(header.producerId);
    const firstSequence = header.baseSequence;
    if (entry === undefined || header.producerEpoch > entry.epoch) {
      // A new producer (or a new epoch of one) starts its sequences at 0.
      if (firstSequence === 0) return { kind: 'append' };
      return {
        kind: 'reject',
        error: brokerError(
          'OUT_OF_ORDER_SEQUENCE_NUMBER',
          `producer ${header.producerId} epoch ${header.producerEpoch} must start at sequence 0, got ${firstSequence}`,
        ),
      };
    }
    if (header.producerEpoch < entry.epoch) {
      return {
        kind: 'reject',
        error: brokerError('INVALID_PRODUCER_EPOCH', `producer ${header.producerId} epoch ${header.producerEpoch} is older than ${entry.epoch}`),
      };
    }
    const lastSequence = lastSequenceOf(header);
    const cached = entry.batches.find((b) => b.firstSequence === firstSequence && b.lastSequence === lastSequence);
    if (cached !== undefined) return { kind: 'duplicate', firstOffset: cached.firstOffset, lastOffset: cached.lastOffset };
    const latest = entry.batches[entry.batches.length - 1];
    const expected = latest === undefined ? 0 : nextSequence(latest.lastSequence);
    if (firstSequence !== expected) {
      return {
        kind: 'reject',
        error: brokerError(
          'OUT_OF_ORDER_SEQUENCE_NUMBER',
          `producer ${header.producerId}: expected sequence ${expected}, got ${firstSequence}`,
        ),
      };
    }
    return { kind: 'append' };
  }

  /** Records a batch that is now in the log (stamped with its offsets). */
  update(header: BatchHeader): void {
    if (header.producerId === NO_PRODUCER_ID) return;
    let entry = this.producers.get(header.producerId);
    if (entry === undefined || header.producerEpoch > entry.epoch) {
      entry = { epoch: header.producerEpoch, batches: [] };
      this.producers.delete(header.producerId);
      this.producers.set(header.producerId, entry);
      this.evictOldest();
    }
    entry.batches.push({
      firstSequence: header.baseSequence,
      lastSequence: lastSequenceOf(header),
      firstOffset: header.baseOffset,
      lastOffset: header.lastOffset,
    });
    if (entry.batches.length > CACHED_BATCHES_PER_PRODUCER) entry.batches.shift();
  }

  clear(): void {
    this.producers.clear();
  }

  private evictOldest(): void {
    while (this.producers.size > PRODUCERS_PER_PARTITION_MAX) {
      const oldest = this.producers.keys().next().value as number;
      this.producers.delete(oldest);
    }
  }
}
