import type { ClientContext } from '../context.js';
import { QuillStateError } from '../errors.js';

/**
 * The connect/disconnect lifecycle the producer, consumer and admin share: one metadata bootstrap
 * per connect, and an abort signal that cancels every call in flight on disconnect.
 */
export class ClusterSession {
  private abort: AbortController | undefined;

  constructor(
    private readonly context: ClientContext,
    /** "producer", "consumer", "admin client": for log lines and errors. */
    private readonly role: string,
  ) {}

  /** Bootstraps metadata (retrying with backoff); a second call while connected does nothing. */
  async connect(): Promise<void> {
    if (this.abort) return;
    const abort = new AbortController();
    this.abort = abort;
    try {
      await this.context.cluster.connect(abort.signal);
    } catch (error) {
      if (this.abort === abort) this.abort = undefined;
      throw error;
    }
    this.context.logger.info(`${this.role} connected`);
  }

  /** The signal of the current connection; throws when not connected. */
  signal(): AbortSignal {
    if (!this.abort) throw new QuillStateError(`the ${this.role} is not connected: call connect() first`);
    return this.abort.signal;
  }

  /**
   * Cancels calls in flight, lets `drain` finish what must end first (a running handler), then
   * closes every connection. Returns false when it was not connected.
   */
  async disconnect(drain: () => Promise<void> = async () => undefined): Promise<boolean> {
    const abort = this.abort;
    if (!abort) return false;
    this.abort = undefined;
    abort.abort(new QuillStateError(`the ${this.role} disconnected`));
    await drain();
    this.context.cluster.disconnect();
    this.context.logger.info(`${this.role} disconnected`);
    return true;
  }
}
