import type { Socket } from 'node:net';
import type { Clock, Timer } from '@quill/clock';
import type { Dispatcher, RequestProblem } from './dispatch.js';
import { FrameReader, isFrameError, type FrameError } from './frame-reader.js';
import { ResponseQueue } from './response-queue.js';
import type { SaslSession } from './sasl/sasl-session.js';

export interface ConnectionLimits {
  /** socket.request.max.bytes */
  maxFrameBytes: number;
  /** queued.max.requests, for this connection */
  maxInFlight: number;
  /** connections.max.idle.ms */
  idleMs: number;
}

/** SASL on the connection (SASL_PLAINTEXT, SASL_SSL): its session, and how long it may take to authenticate. */
export interface ConnectionSasl {
  session: SaslSession;
  /** A connection not authenticated this long after it opened is closed. */
  authenticationTimeoutMs: number;
}

export interface ConnectionDeps {
  dispatcher: Dispatcher;
  sasl?: ConnectionSasl;
  /** The principal of the client certificate TLS verified, for authorization. */
  tlsPrincipal?: string;
  limits: ConnectionLimits;
  clock: Clock;
  /** Logs a problem with this client (the caller rate-limits). */
  warn(problem: RequestProblem | { kind: FrameError['reason'] | 'stalled-frame' | 'authentication-timeout'; message: string }, clientAddress: string): void;
  onClosed(connection: KafkaConnection): void;
}

/**
 * One Kafka client connection: frames in, requests dispatched (possibly concurrently), answers
 * out in arrival order. Reading stops while `maxInFlight` requests are held or the socket's
 * send buffer is full, so neither a pipelining client nor one that stops reading its answers can
 * make the broker hold more than that.
 */
export class KafkaConnection {
  readonly clientAddress: string;
  private readonly reader: FrameReader;
  private readonly queue: ResponseQueue;
  private closed = false;
  /** Set once nothing more is read: the connection closes after its pending answers. */
  private ending = false;
  private paused = false;
  private lastActivity: number;
  private idleTimer: Timer | undefined;
  private authenticationTimer: Timer | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly deps: ConnectionDeps,
  ) {
    this.clientAddress = `${socket.remoteAddress ?? 'unknown'}:${socket.remotePort ?? 0}`;
    this.reader = new FrameReader(deps.limits.maxFrameBytes);
    this.queue = new ResponseQueue(deps.limits.maxInFlight, {
      write: (frame) => {
        this.touch();
        socket.write(frame);
      },
      close: () => this.end(),
    });
    this.lastActivity = deps.clock.now();
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (this.ending) return;
      this.touch();
      this.reader.push(chunk);
      this.pump();
    });
    socket.on('drain', () => this.pump());
    // A reset or broken pipe from the client only ends this connection.
    socket.on('error', () => this.destroy());
    socket.on('close', () => this.destroy());
    this.armIdleTimer(deps.limits.idleMs);
    const sasl = deps.sasl;
    if (sasl !== undefined) {
      // A client that opens a connection and never completes SASL would otherwise hold it until
      // connections.max.idle.ms, however slowly it trickles bytes.
      this.authenticationTimer = deps.clock.setTimeout(() => {
        if (this.closed || sasl.session.authenticated) return;
        deps.warn({ kind: 'authentication-timeout', message: `not authenticated within ${sasl.authenticationTimeoutMs} ms; connection closed` }, this.clientAddress);
        this.destroy();
      }, sasl.authenticationTimeoutMs);
    }
  }

  get inFlight(): number {
    return this.queue.inFlight;
  }

  /** Closes at once, dropping answers not sent yet. */
  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.idleTimer?.cancel();
    this.authenticationTimer?.cancel();
    this.queue.abandon();
    this.socket.destroy();
    this.deps.onClosed(this);
  }

  /** Closes once the answers already written are sent. */
  private end(): void {
    if (this.closed) return;
    this.ending = true;
    this.socket.pause();
    this.socket.end(() => this.destroy());
  }

  private pump(): void {
    if (this.ending) return;
    while (!this.closed && !this.queue.full && !this.socket.writableNeedDrain) {
      const next = this.reader.next();
      if (next === undefined) break;
      if (isFrameError(next)) {
        const limit = next.reason === 'frame-too-large' ? ` over socket.request.max.bytes (${this.deps.limits.maxFrameBytes})` : '';
        this.deps.warn({ kind: next.reason, message: `request frame length ${next.length}${limit}; connection closed` }, this.clientAddress);
        // The answers to the requests before it still go out; nothing after it is read.
        this.ending = true;
        this.socket.pause();
        this.queue.add(Promise.resolve({ kind: 'close' }));
        return;
      }
      const outcome = this.deps.dispatcher.dispatch(next, this.clientAddress, this.deps.sasl?.session, this.deps.tlsPrincipal).then((result) => {
        if (result.problem !== undefined) this.deps.warn(result.problem, this.clientAddress);
        return result.outcome;
      });
      this.queue.add(outcome);
      // Registered after the queue's own reaction: by then the queue has let go of what it could.
      void outcome.then(() => this.pump());
    }
    if (this.closed) return;
    const hold = this.queue.full || this.socket.writableNeedDrain;
    if (hold && !this.paused) this.socket.pause();
    else if (!hold && this.paused) this.socket.resume();
    this.paused = hold;
  }

  private touch(): void {
    this.lastActivity = this.deps.clock.now();
  }

  /** Closes after `idleMs` without traffic; a connection waiting on its own requests is not idle. */
  private armIdleTimer(delayMs: number): void {
    this.idleTimer = this.deps.clock.setTimeout(() => {
      if (this.closed) return;
      const idleFor = this.deps.clock.now() - this.lastActivity;
      if (this.queue.inFlight === 0 && idleFor >= this.deps.limits.idleMs) {
        // An idle client is normal; one that stalled inside a frame is worth a warning.
        if (this.reader.bufferedBytes > 0) {
          this.deps.warn({ kind: 'stalled-frame', message: `half a request frame and no traffic for ${idleFor} ms (connections.max.idle.ms); connection closed` }, this.clientAddress);
        }
        this.destroy();
        return;
      }
      this.armIdleTimer(Math.max(1, this.deps.limits.idleMs - idleFor));
    }, delayMs);
  }
}
