import type { ChannelCredentials, ClientDuplexStream, ServerDuplexStream, ServiceError } from '@grpc/grpc-js';
import {
  createServiceClient,
  type AppendRequest,
  type AppendRequest__Output,
  type AppendResponse,
  type AppendResponse__Output,
  type InstallSnapshotRequest__Output,
  type RaftClient,
  type RaftHandlers,
  type RaftHeartbeatRequest,
  type RaftHeartbeatRequest__Output,
  type RaftHeartbeatResponse,
  type RaftHeartbeatResponse__Output,
  type Error as WireError,
} from '@quill/proto';
import type { Message, NodeId } from '@quill/raft';
import type { Logger } from 'pino';
import { InboundStreams } from './inbound-streams.js';
import { OutboundStream } from './outbound-stream.js';
import { PendingReplies } from './pending-replies.js';
import * as wire from './raft-wire.js';

export interface RaftTransportOptions {
  nodeId: NodeId;
  clusterId: string;
  /** host:port of every other voter (and observer that takes Raft traffic). */
  peers: ReadonlyMap<NodeId, string>;
  /** Steps a message from a peer into the local Raft node. */
  deliver: (message: Message) => void;
  logger: Logger;
  /**
   * Deadline of an outgoing unary Raft call (votes, TimeoutNow; snapshots get ten times it), and
   * how long an append or heartbeat stream may go without an answer after a write before it is
   * cancelled and reopened: a peer that is blackholed or paused must not hold a stream forever.
   */
  requestTimeoutMs?: number;
  /** How long an incoming unary call (vote, snapshot) waits for the core's answer before answering `dropped`. */
  replyTimeoutMs?: number;
  snapshotChunkBytes?: number;
  /** Largest snapshot a follower accepts (bounds the receive buffer). */
  maxSnapshotBytes?: number;
  /**
   * Messages one append or heartbeat stream (either way) may hold waiting for the network before
   * more are dropped, as Raft tolerates. Default 256: the core's window of pipelined appends per
   * follower (maxInflightMsgs), so a burst of them, or of answers to them, is never cut while a
   * connection opens; a peer that stops reading holds at most this many until the stream stalls.
   */
  maxStreamBufferedMessages?: number;
  /** The credentials of each new channel to a peer (TLS with the node's certificate on a secure cluster; default plaintext). */
  credentials?: () => ChannelCredentials;
}

const DEFAULTS = {
  requestTimeoutMs: 2_000,
  replyTimeoutMs: 1_000,
  snapshotChunkBytes: 1024 * 1024,
  maxSnapshotBytes: 1024 * 1024 * 1024,
  maxStreamBufferedMessages: 256,
};

/** The two long-lived streams to one peer. */
interface PeerStreams {
  append: OutboundStream<AppendRequest, AppendResponse__Output>;
  heartbeat: OutboundStream<RaftHeartbeatRequest, RaftHeartbeatResponse__Output>;
}

/**
 * Carries Raft messages between controllers over gRPC (raft.proto). Appends and heartbeats, the
 * frequent ones, go on one long-lived stream per peer and kind, and the core's answers come back
 * on the stream the peer last used. Votes, TimeoutNow and snapshots are calls, and their answers
 * travel back as the calls' responses. Lost messages, failed calls and dropped streams are only
 * logged: Raft retransmits on its own timers.
 */
export class RaftTransport {
  private readonly clients = new Map<NodeId, RaftClient>();
  private readonly streams = new Map<NodeId, PeerStreams>();
  private readonly appendsIn: InboundStreams<AppendResponse>;
  private readonly heartbeatsIn: InboundStreams<RaftHeartbeatResponse>;
  private readonly replies: PendingReplies;
  private readonly settings: typeof DEFAULTS;
  private closed = false;

  constructor(private readonly options: RaftTransportOptions) {
    this.settings = {
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs,
      replyTimeoutMs: options.replyTimeoutMs ?? DEFAULTS.replyTimeoutMs,
      snapshotChunkBytes: options.snapshotChunkBytes ?? DEFAULTS.snapshotChunkBytes,
      maxSnapshotBytes: options.maxSnapshotBytes ?? DEFAULTS.maxSnapshotBytes,
      maxStreamBufferedMessages: options.maxStreamBufferedMessages ?? DEFAULTS.maxStreamBufferedMessages,
    };
    this.appendsIn = new InboundStreams(this.settings.maxStreamBufferedMessages);
    this.heartbeatsIn = new InboundStreams(this.settings.maxStreamBufferedMessages);
    this.replies = new PendingReplies(this.settings.replyTimeoutMs);
  }

  /**
   * A peer's inbound Raft stream of one kind: each request, unless refused (answered with the
   * error on the stream), goes to the core, and the core's answers to that peer go back on the
   * newest stream it sent on.
   */
  private serveInbound<Req extends { clusterId: string; destinationId: number }, Res extends { error?: WireError | null }>(
    call: ServerDuplexStream<Req, Res>,
    streams: InboundStreams<Res>,
    fromWire: (request: Req) => Message,
  ): void {
    streams.attach(call);
    call.on('data', (request: Req) => {
      const error = this.refusal(request.clusterId, request.destinationId);
      if (error !== undefined) return streams.write(call, { error } as Res);
      const message = fromWire(request);
      streams.heardFrom(message.from, call);
      this.options.deliver(message);
    });
  }

  /** Refuses requests for another cluster or node; undefined when the request is ours. */
  private refusal(clusterId: string, destinationId: number): WireError | undefined {
    if (clusterId !== this.options.clusterId) {
      return { code: 'INCONSISTENT_CLUSTER_ID', message: `cluster ${clusterId} is not ${this.options.clusterId}` };
    }
    if (destinationId !== this.options.nodeId) {
      return { code: 'INCONSISTENT_VOTER_SET', message: `request for node ${destinationId} reached node ${this.options.nodeId}` };
    }
    return undefined;
  }

  /** The Raft service implementation to add to this node's gRPC server. */
  handlers(): RaftHandlers {
    return {
      Vote: (call, callback) => {
        const error = this.refusal(call.request.clusterId, call.request.destinationId);
        if (error !== undefined) return callback(null, { error });
        const message = wire.voteRequestFromWire(call.request);
        const reply = this.replies.expect(message.from, message.type === 'PreVoteRequest' ? 'PreVoteResponse' : 'VoteResponse');
        this.options.deliver(message);
        void reply.then((answer) =>
          callback(null, answer === undefined ? { dropped: true } : wire.voteResponseToWire(answer as Parameters<typeof wire.voteResponseToWire>[0])),
        );
      },
      AppendStream: (call) => this.serveInbound(call, this.appendsIn, (request: AppendRequest__Output) => wire.appendRequestFromWire(request)),
      HeartbeatStream: (call) => this.serveInbound(call, this.heartbeatsIn, (request: RaftHeartbeatRequest__Output) => wire.heartbeatFromWire(request)),
      TimeoutNow: (call, callback) => {
        const error = this.refusal(call.request.clusterId, call.request.destinationId);
        if (error !== undefined) return callback(null, { error });
        this.options.deliver(wire.timeoutNowFromWire(call.request));
        callback(null, { term: call.request.term });
      },
      InstallSnapshot: (call, callback) => {
        const chunks: Buffer[] = [];
        let received = 0;
        let first: InstallSnapshotRequest__Output | undefined;
        let failed: WireError | undefined;
        call.on('data', (chunk: InstallSnapshotRequest__Output) => {
          if (failed !== undefined) return;
          first ??= chunk;
          failed = this.refusal(chunk.clusterId, chunk.destinationId);
          if (failed === undefined && (chunk.offset !== received || received + chunk.data.length > this.settings.maxSnapshotBytes)) {
            failed = { code: 'INVALID_REQUEST', message: `snapshot chunk at ${chunk.offset}, expected ${received} (limit ${this.settings.maxSnapshotBytes} bytes)` };
          }
          chunks.push(chunk.data);
          received += chunk.data.length;
        });
        call.on('end', () => {
          if (failed !== undefined || first === undefined || first.metadata === null) {
            callback(null, { error: failed ?? { code: 'INVALID_REQUEST', message: 'empty snapshot stream' } });
            return;
          }
          const meta = first.metadata;
          const message: Message = {
            type: 'InstallSnapshotRequest',
            term: first.term,
            from: first.leaderId,
            to: first.destinationId,
            snapshot: {
              index: meta.lastIncludedIndex,
              term: meta.lastIncludedTerm,
              voters: meta.config?.voters ?? [],
              observers: meta.config?.observers ?? [],
              data: Buffer.concat(chunks, received),
            },
          };
          const reply = this.replies.expect(message.from, 'InstallSnapshotResponse');
          this.options.deliver(message);
          void reply.then((answer) =>
            callback(
              null,
              answer?.type === 'InstallSnapshotResponse'
                ? { term: answer.term, followerId: answer.from, success: true, lastIncludedIndex: answer.matchIndex }
                : { dropped: true },
            ),
          );
        });
      },
    };
  }

  /**
   * Sends a message the core emitted: an append or heartbeat on the peer's stream, an answer to
   * one on the stream the peer last used, another request as a call, its answer as the response.
   */
  send(message: Message): void {
    if (this.closed) return;
    switch (message.type) {
      case 'PreVoteResponse':
      case 'VoteResponse':
      case 'InstallSnapshotResponse':
        this.replies.fulfil(message);
        return;
      case 'AppendResponse':
        this.appendsIn.answer(message.to, wire.appendResponseToWire(message));
        return;
      case 'HeartbeatResponse':
        this.heartbeatsIn.answer(message.to, wire.heartbeatResponseToWire(message));
        return;
      case 'PreVoteRequest':
      case 'VoteRequest':
        this.client(message.to)?.Vote(wire.voteRequestToWire(this.options.clusterId, message), this.deadline(), (error, response) => {
          if (this.usable(error, response)) this.options.deliver(wire.voteResponseFromWire(response!, this.options.nodeId));
        });
        return;
      case 'AppendRequest':
        this.peerStreams(message.to)?.append.send(wire.appendRequestToWire(this.options.clusterId, message));
        return;
      case 'HeartbeatRequest':
        this.peerStreams(message.to)?.heartbeat.send(wire.heartbeatToWire(this.options.clusterId, message));
        return;
      case 'TimeoutNow':
        this.client(message.to)?.TimeoutNow(wire.timeoutNowToWire(this.options.clusterId, message), this.deadline(), (error) => {
          if (error !== null) this.options.logger.debug({ to: message.to, err: error.message }, 'TimeoutNow failed');
        });
        return;
      case 'InstallSnapshotRequest':
        this.sendSnapshot(message);
        return;
    }
  }

  private sendSnapshot(message: Extract<Message, { type: 'InstallSnapshotRequest' }>): void {
    const client = this.client(message.to);
    if (client === undefined) return;
    const { snapshot } = message;
    const stream = client.InstallSnapshot({ deadline: Date.now() + this.settings.requestTimeoutMs * 10 }, (error, response) => {
      if (this.usable(error, response)) {
        this.options.deliver({ type: 'InstallSnapshotResponse', term: response!.term, from: response!.followerId, to: this.options.nodeId, matchIndex: response!.lastIncludedIndex });
      }
    });
    const data = Buffer.from(snapshot.data.buffer, snapshot.data.byteOffset, snapshot.data.byteLength);
    const header = {
      clusterId: this.options.clusterId,
      destinationId: message.to,
      term: message.term,
      leaderId: message.from,
      metadata: { lastIncludedIndex: snapshot.index, lastIncludedTerm: snapshot.term, config: { voters: [...snapshot.voters], observers: [...snapshot.observers] } },
    };
    let offset = 0;
    do {
      const end = Math.min(offset + this.settings.snapshotChunkBytes, data.length);
      stream.write({ ...header, offset, data: data.subarray(offset, end), done: end === data.length });
      offset = end;
    } while (offset < data.length);
    stream.end();
  }

  private usable(error: ServiceError | null, response: { error?: WireError | null; dropped?: boolean } | undefined): boolean {
    if (error !== null) {
      this.options.logger.debug({ err: error.message }, 'raft call failed');
      return false;
    }
    return response !== undefined && response.dropped !== true && !this.refused(response);
  }

  /** Logs a refusal (wrong cluster or destination): a misconfiguration someone must see. */
  private refused(response: { error?: WireError | null }): boolean {
    if (response.error === null || response.error === undefined || response.error.code === 'NONE') return false;
    this.options.logger.warn({ error: response.error }, 'peer refused a raft request');
    return true;
  }

  /** The append and heartbeat streams to `peer`, created on first use. */
  private peerStreams(peer: NodeId): PeerStreams | undefined {
    const existing = this.streams.get(peer);
    if (existing !== undefined) return existing;
    const client = this.client(peer);
    if (client === undefined) return undefined;
    const outbound = <Req, Res extends { error?: WireError | null }>(
      rpc: string,
      open: () => ClientDuplexStream<Req, Res>,
      fromWire: (response: Res, nodeId: NodeId) => Message,
    ) =>
      new OutboundStream<Req, Res>({
        open,
        onAnswer: (response) => {
          if (!this.refused(response)) this.options.deliver(fromWire(response, this.options.nodeId));
        },
        stallTimeoutMs: this.settings.requestTimeoutMs,
        maxBufferedMessages: this.settings.maxStreamBufferedMessages,
        onDrop: (reason) => this.options.logger.debug({ peer, rpc, reason }, 'raft stream dropped'),
      });
    const streams: PeerStreams = {
      append: outbound('AppendStream', () => client.AppendStream(), wire.appendResponseFromWire),
      heartbeat: outbound('HeartbeatStream', () => client.HeartbeatStream(), wire.heartbeatResponseFromWire),
    };
    this.streams.set(peer, streams);
    return streams;
  }

  private deadline(): { deadline: number } {
    return { deadline: Date.now() + this.settings.requestTimeoutMs };
  }

  private client(peer: NodeId): RaftClient | undefined {
    const existing = this.clients.get(peer);
    if (existing !== undefined) return existing;
    const address = this.options.peers.get(peer);
    if (address === undefined) {
      this.options.logger.warn({ peer }, 'no address for raft peer');
      return undefined;
    }
    const client = createServiceClient('Raft', address, this.options.credentials === undefined ? {} : { credentials: this.options.credentials() });
    this.clients.set(peer, client);
    return client;
  }

  close(): void {
    this.closed = true;
    this.replies.clear();
    for (const { append, heartbeat } of this.streams.values()) {
      append.close();
      heartbeat.close();
    }
    this.streams.clear();
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }
}
