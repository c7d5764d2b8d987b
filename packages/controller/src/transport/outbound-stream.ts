import type { ClientDuplexStream, ServiceError } from '@grpc/grpc-js';

export interface OutboundStreamOptions<Req, Res> {
  /** Opens a new call (no deadline: the stream lives until it fails, stalls or is closed). */
  open: () => ClientDuplexStream<Req, Res>;
  /** Every answer the peer writes, in the order they arrive. */
  onAnswer: (response: Res) => void;
  /**
   * How long written messages may go without anything coming back before the stream counts as
   * stuck (a blackholed or paused peer) and is cancelled. Stands in for a unary call's deadline.
   */
  stallTimeoutMs: number;
  /** Messages the stream may hold waiting for the network; more are dropped (bounds memory). */
  maxBufferedMessages: number;
  /** Why a stream was dropped or a message not sent (for logs). */
  onDrop: (reason: string) => void;
}

/**
 * One long-lived bidirectional stream to one peer for one kind of Raft message. Messages are
 * fire-and-forget, as Raft's are: the core retransmits on its own timers, so a message is dropped
 * rather than queued when the stream cannot take it. A stream that errors, ends, or gets no answer
 * for `stallTimeoutMs` after a write is dropped, and the next send opens a new one.
 */
export class OutboundStream<Req, Res> {
  private call: ClientDuplexStream<Req, Res> | undefined;
  /** When the oldest message written since the last answer went out; undefined when all heard. */
  private unansweredSinceMs: number | undefined;
  private stallTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: OutboundStreamOptions<Req, Res>) {}

  /** Writes `message` on the stream (opening one if needed), or drops it if the buffer is full. */
  send(message: Req): void {
    const call = this.call ?? this.start();
    // In object mode the writable length counts messages not yet handed to HTTP/2. A write past
    // grpc-js's high-water mark (16) is still buffered; this bound is the one that drops.
    if (call.writableLength >= this.options.maxBufferedMessages) {
      this.options.onDrop('write buffer full');
      return;
    }
    this.unansweredSinceMs ??= Date.now();
    this.stallTimer ??= this.armStallTimer(this.options.stallTimeoutMs);
    call.write(message);
  }

  /** Cancels the stream; a later send opens a new one. */
  close(): void {
    this.drop();
  }

  private start(): ClientDuplexStream<Req, Res> {
    const call = this.options.open();
    this.call = call;
    call.on('data', (response: Res) => {
      if (this.call !== call) return;
      this.unansweredSinceMs = undefined;
      this.options.onAnswer(response);
    });
    call.on('error', (error: ServiceError) => {
      if (this.call !== call) return;
      this.options.onDrop(`stream failed: ${error.message}`);
      this.drop();
    });
    call.on('end', () => {
      if (this.call !== call) return;
      this.options.onDrop('stream ended by the peer');
      this.drop();
    });
    return call;
  }

  /**
   * One timer per stream, not per message: when it fires it checks the oldest unanswered write and
   * re-arms for the time that write has left, so a stream answered steadily never stalls.
   */
  private armStallTimer(delayMs: number): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.stallTimer = undefined;
      if (this.unansweredSinceMs === undefined) return;
      const waitedMs = Date.now() - this.unansweredSinceMs;
      if (waitedMs < this.options.stallTimeoutMs) {
        this.stallTimer = this.armStallTimer(this.options.stallTimeoutMs - waitedMs);
        return;
      }
      this.options.onDrop(`no answer for ${waitedMs} ms`);
      this.drop();
    }, delayMs);
    // The stream is not a reason to keep the process alive.
    timer.unref();
    return timer;
  }

  private drop(): void {
    const call = this.call;
    this.call = undefined;
    this.unansweredSinceMs = undefined;
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
    call?.cancel();
  }
}
