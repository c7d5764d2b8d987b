import { EventEmitter } from 'node:events';
import { errorMessage } from '@quill/proto';
import type { Logger } from 'pino';
import type { ConsumerEvents } from './types.js';

/** The consumer's instrumentation events: a listener that throws is logged, never breaks the consumer. */
export class ConsumerEventBus {
  private readonly emitter = new EventEmitter();

  constructor(private readonly logger: Logger) {}

  /** Adds a listener; returns the function that removes it. */
  on<E extends keyof ConsumerEvents>(event: E, listener: (payload: ConsumerEvents[E]) => void): () => void {
    this.emitter.on(event, listener);
    return () => this.emitter.off(event, listener);
  }

  emit<E extends keyof ConsumerEvents>(event: E, payload: ConsumerEvents[E]): void {
    try {
      this.emitter.emit(event, payload);
    } catch (listenerError) {
      this.logger.error({ event, err: errorMessage(listenerError) }, 'a consumer event listener threw');
    }
  }
}
