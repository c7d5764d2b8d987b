import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { NodeId } from '@quill/raft';

type Stream<Res> = ServerDuplexStream<unknown, Res>;

/**
 * The incoming streams of one kind (appends or heartbeats) and where the core's answers go: to the
 * newest stream each peer sent a request on. A peer that gave up on a stream opens another, and its
 * next request moves its answers there. Answers carry everything the peer needs, so which request
 * they answer does not matter. An answer with no stream to go on, or whose stream cannot take it
 * (a peer that stopped reading), is dropped: Raft retransmits.
 */
export class InboundStreams<Res> {
  private readonly newest = new Map<NodeId, Stream<Res>>();

  /** @param maxBufferedMessages answers one stream may hold waiting for the network; more are dropped. */
  constructor(private readonly maxBufferedMessages: number) {}

  /** Starts tracking `call`: forgets it when it closes, and ends it when the peer half-closes. */
  attach(call: Stream<Res>): void {
    const forget = (): void => {
      for (const [peer, stream] of this.newest) if (stream === call) this.newest.delete(peer);
    };
    call.on('cancelled', forget);
    call.on('error', forget);
    call.on('close', forget);
    call.on('end', () => {
      forget();
      call.end();
    });
  }

  /** `peer` sent a request on `call`: answers for it go there from now on. */
  heardFrom(peer: NodeId, call: Stream<Res>): void {
    this.newest.set(peer, call);
  }

  /** Writes the core's answer on `peer`'s newest stream, if it has one. */
  answer(peer: NodeId, response: Res): void {
    const call = this.newest.get(peer);
    if (call !== undefined) this.write(call, response);
  }

  /** Writes on `call` unless it is gone or its buffer is full (then drops: the buffer is the bound). */
  write(call: Stream<Res>, response: Res): void {
    // Object mode: the writable length counts answers not yet handed to HTTP/2.
    if (!call.cancelled && call.writableLength < this.maxBufferedMessages) call.write(response);
  }
}
