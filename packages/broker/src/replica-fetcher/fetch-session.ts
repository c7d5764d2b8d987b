import type { ClientDuplexStream } from '@grpc/grpc-js';
import { brokerError } from '../errors.js';
import type { ReplicaClient, ReplicaFetchRequest, ReplicaFetchResponse__Output } from '@quill/proto';

interface Waiting {
  resolve: (response: ReplicaFetchResponse__Output) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * A follower's long-lived ReplicaFetchStream to one leader. A fetcher sends one fetch at a time
 * and the leader answers in order, so one stream replaces a unary call per fetch (grpc-js's
 * per-call cost: a new HTTP/2 stream, headers, trailers). Any failure (transport error, the
 * stream ending, no answer within the deadline) fails the fetch in flight and drops the stream;
 * the next fetch opens a new one.
 */
export class ReplicaFetchSession {
  private stream: ClientDuplexStream<ReplicaFetchRequest, ReplicaFetchResponse__Output> | undefined;
  private waiting: Waiting | undefined;

  constructor(private readonly client: ReplicaClient) {}

  /** False until the next fetch opens a stream (at first, and after any failure). */
  get isOpen(): boolean {
    return this.stream !== undefined;
  }

  /** Sends `request` and resolves with its answer; fails if none arrives within `timeoutMs`. */
  fetch(request: ReplicaFetchRequest, timeoutMs: number): Promise<ReplicaFetchResponse__Output> {
    if (this.waiting !== undefined) return Promise.reject(new Error('a replica fetch is already in flight on this stream'));
    const stream = this.open();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.reset(brokerError('REQUEST_TIMED_OUT', `no replica fetch answer within ${timeoutMs} ms`)), timeoutMs);
      this.waiting = { resolve, reject, timer };
      stream.write(request);
    });
  }

  /** Fails the fetch in flight, if any, and ends the stream. */
  close(): void {
    this.reset(new Error('replica fetch stream closed'));
  }

  private open(): ClientDuplexStream<ReplicaFetchRequest, ReplicaFetchResponse__Output> {
    if (this.stream !== undefined) return this.stream;
    const stream = this.client.ReplicaFetchStream();
    // Events of a stream already replaced are ignored.
    stream.on('data', (response: ReplicaFetchResponse__Output) => {
      if (this.stream !== stream) return;
      const waiting = this.waiting;
      this.waiting = undefined;
      if (waiting === undefined) {
        this.reset(new Error('replica fetch answer without a request'));
        return;
      }
      clearTimeout(waiting.timer);
      waiting.resolve(response);
    });
    stream.on('error', (error: Error) => {
      if (this.stream === stream) this.reset(error);
    });
    stream.on('end', () => {
      if (this.stream === stream) this.reset(new Error('the leader ended the replica fetch stream'));
    });
    this.stream = stream;
    return stream;
  }

  private reset(error: Error): void {
    const stream = this.stream;
    this.stream = undefined;
    stream?.cancel();
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting !== undefined) {
      clearTimeout(waiting.timer);
      waiting.reject(error);
    }
  }
}
