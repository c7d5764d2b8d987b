import { ErrorCode, QuillError } from '@quill/proto';
import type { ClientContext } from '../context.js';

/** A producer id and epoch from InitProducerId, and the next sequence per partition. */
export interface ProducerIdentity {
  producerId: number;
  producerEpoch: number;
}

const INT32_MAX = 2 ** 31 - 1;

/**
 * An idempotent producer's state (Kafka's): one producer id and epoch, and per partition the
 * sequence number of its next record. Each batch reserves its sequences when it is built, so a
 * retry resends the same sequences and the broker drops it as a duplicate. A batch that finally
 * fails leaves a gap no later batch can fill: the state is then reset and a new id is asked for.
 */
export class IdempotentState {
  private identity: ProducerIdentity | undefined;
  private initializing: Promise<ProducerIdentity> | undefined;
  private readonly sequences = new Map<string, number>();
  /** Per partition, settles when its latest batch is acknowledged or has failed for good. */
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly context: ClientContext) {}

  /** The producer id, asking any broker for one on first use. */
  async ensureIdentity(signal?: AbortSignal): Promise<ProducerIdentity> {
    if (this.identity !== undefined) return this.identity;
    this.initializing ??= this.initProducerId(signal).finally(() => {
      this.initializing = undefined;
    });
    this.identity = await this.initializing;
    return this.identity;
  }

  private async initProducerId(signal?: AbortSignal): Promise<ProducerIdentity> {
    const connection = this.context.cluster.anyConnection();
    const response = await connection.request(
      'InitProducerId',
      { transactionTimeoutMs: 0, producerId: -1, producerEpoch: -1 },
      { timeoutMs: this.context.requestTimeoutMs, ...(signal ? { signal } : {}) },
    );
    if (response.error !== null && response.error.code !== ErrorCode.NONE) {
      throw new QuillError(response.error.code, response.error.message);
    }
    this.context.logger.info({ producerId: response.producerId, producerEpoch: response.producerEpoch }, 'idempotent producer id assigned');
    return { producerId: response.producerId, producerEpoch: response.producerEpoch };
  }

  /**
   * Reserves `count` sequence numbers for the next batch of a partition. Returns the first, the
   * promise the batch must wait for before it is sent (its predecessor in the partition is done),
   * and `done` to call once the batch is acknowledged or has failed for good. One batch per
   * partition is in flight, so a partition's batches reach the broker in sequence order, while
   * different partitions go in parallel.
   */
  reserve(topic: string, partition: number, count: number): { baseSequence: number; previous: Promise<void>; done: () => void } {
    const key = `${topic}\u0000${partition}`;
    const baseSequence = this.sequences.get(key) ?? 0;
    this.sequences.set(key, (baseSequence + count) % (INT32_MAX + 1));
    const previous = this.tails.get(key) ?? Promise.resolve();
    let done!: () => void;
    const settled = new Promise<void>((resolve) => {
      done = resolve;
    });
    this.tails.set(key, settled);
    void settled.then(() => {
      if (this.tails.get(key) === settled) this.tails.delete(key);
    });
    return { baseSequence, previous, done };
  }

  /** After a batch failed for good: forget everything, the next send starts a fresh producer id. */
  reset(): void {
    this.identity = undefined;
    this.sequences.clear();
  }
}
