import { ClusterSession } from '../cluster/cluster-session.js';
import type { ClientContext } from '../context.js';
import { IdempotentState } from './idempotence.js';
import { sendMessages } from './send-messages.js';
import type { Partitioner, ProducerBatch, ProducerRecord, RecordMetadata } from './types.js';

const DEFAULT_ACKS = -1;
const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Writes messages to topics. Get one from `quill.producer()`, `connect()` it, `send()`, and
 * `disconnect()` when done.
 *
 * @example
 * const producer = quill.producer();
 * await producer.connect();
 * await producer.send({ topic: 'orders', messages: [{ key: 'order-1', value: JSON.stringify(order) }] });
 * await producer.disconnect();
 */
export class Producer {
  private readonly context: ClientContext;
  private readonly partitioner: Partitioner;
  private readonly session: ClusterSession;
  private readonly idempotence: IdempotentState | undefined;

  /** @internal Use `quill.producer()`. */
  constructor(context: ClientContext, partitioner: Partitioner, idempotent: boolean) {
    this.context = context;
    this.partitioner = partitioner;
    this.session = new ClusterSession(context, 'producer');
    this.idempotence = idempotent ? new IdempotentState(context) : undefined;
  }

  /** Connects to the cluster (bootstraps metadata). Retries with backoff; rejects when retries run out. */
  async connect(): Promise<void> {
    await this.session.connect();
  }

  /** Closes every connection. Sends still in flight fail. The producer may connect again later. */
  async disconnect(): Promise<void> {
    await this.session.disconnect();
  }

  /**
   * Sends messages to one topic and resolves once the brokers acknowledged them as `acks` asks
   * (default -1: every in-sync replica). Partitions failing with a retriable error are retried
   * with backoff; a non-retriable error, or one that outlasts the retries, rejects with a
   * QuillError (`code`, `retriable`, `message`).
   *
   * @returns One entry per partition written to, with the offset of its first message.
   */
  async send(record: ProducerRecord): Promise<RecordMetadata[]> {
    const { topic, messages, ...options } = record;
    return this.sendBatch({ ...options, topicMessages: [{ topic, messages }] });
  }

  /** Like `send`, for several topics at once: still one request per leader broker. */
  async sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    const signal = this.session.signal();
    const acks = batch.acks ?? DEFAULT_ACKS;
    // Idempotence needs acks=all (as in Kafka): only then is an acknowledged batch on every replica.
    const idempotence = acks === -1 ? this.idempotence : undefined;
    return sendMessages(
      this.context,
      this.partitioner,
      { topicMessages: batch.topicMessages, acks, timeoutMs: batch.timeout ?? DEFAULT_TIMEOUT_MS, compression: batch.compression ?? 'none', idempotence },
      signal,
    );
  }
}
