import { ErrorCode, QuillError } from '@quill/proto';
import type { ClientContext } from '../context.js';

/** A producer id and epoch from InitProducerId. */
export interface ProducerIdentity {
  producerId: number;
  producerEpoch: number;
}

/**
 * An idempotent producer's id and epoch (Kafka's), asked of any broker on first use. After a
 * batch failed for good its sequences leave a gap no later batch can fill: the sender then
 * `reset()`s, and the next batches start at sequence 0 under a new id.
 */
export class ProducerIdentityHolder {
  private identity: ProducerIdentity | undefined;
  private initializing: Promise<ProducerIdentity> | undefined;

  constructor(private readonly context: ClientContext) {}

  /** The identity if known. */
  get current(): ProducerIdentity | undefined {
    return this.identity;
  }

  /** The producer id, asking a broker for one when there is none (one request at a time). */
  async ensure(signal?: AbortSignal): Promise<ProducerIdentity> {
    if (this.identity !== undefined) return this.identity;
    this.initializing ??= this.initProducerId(signal).finally(() => {
      this.initializing = undefined;
    });
    this.identity = await this.initializing;
    return this.identity;
  }

  /** Forgets the id: the next `ensure()` asks for a new one. */
  reset(): void {
    this.identity = undefined;
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
}
