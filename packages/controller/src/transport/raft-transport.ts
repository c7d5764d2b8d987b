import type { ServiceError } from '@grpc/grpc-js';
import {
  createServiceClient,
  type InstallSnapshotRequest__Output,
  type RaftClient,
  type RaftHandlers,
  type Error as WireError,
} from '@quill/proto';
import type { Message, NodeId } from '@quill/raft';
import type { Logger } from 'pino';
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
  /** Deadline of an outgoing Raft RPC. */
  requestTimeoutMs?: number;
  /** How long an incoming call waits for the core's answer before answering `dropped`. */
  replyTimeoutMs?: number;
  snapshotChunkBytes?: number;
  /** Largest snapshot a follower accepts (bounds the receive buffer). */
  maxSnapshotBytes?: number;
}

const DEFAULTS = {
  requestTimeoutMs: 2_000,
  replyTimeoutMs: 1_000,
  snapshotChunkBytes: 1024 * 1024,
  maxSnapshotBytes: 1024 * 1024 * 1024,
};

/**
 * Carries Raft messages between controllers over gRPC (raft.proto): requests become calls to the
 * peer, and the core's answers travel back as the calls' responses. Lost or failed calls are only
 * logged: Raft retransmits on its own timers.
 */
export class RaftTransport {
  private readonly clients = new Map<NodeId, RaftClient>();
  private readonly replies: PendingReplies;
  private readonly settings: typeof DEFAULTS;
  private closed = false;

  constructor(private readonly options: RaftTransportOptions) {
    this.settings = {
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs,
      replyTimeoutMs: options.replyTimeoutMs ?? DEFAULTS.replyTimeoutMs,
      snapshotChunkBytes: options.snapshotChunkBytes ?? DEFAULTS.snapshotChunkBytes,
      maxSnapshotBytes: options.maxSnapshotBytes ?? DEFAULTS.maxSnapshotBytes,
    };
    this.replies = new PendingReplies(this.settings.replyTimeoutMs);
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
      Append: (call, callback) => {
        const error = this.refusal(call.request.clusterId, call.request.destinationId);
        if (error !== undefined) return callback(null, { error });
        const message = wire.appendRequestFromWire(call.request);
        const reply = this.replies.expect(message.from, 'AppendResponse');
        this.options.deliver(message);
        void reply.then((answer) =>
          callback(null, answer?.type === 'AppendResponse' ? wire.appendResponseToWire(answer) : { dropped: true }),
        );
      },
      Heartbeat: (call, callback) => {
        const error = this.refusal(call.request.clusterId, call.request.destinationId);
        if (error !== undefined) return callback(null, { error });
        const message = wire.heartbeatFromWire(call.request);
        const reply = this.replies.expect(message.from, 'HeartbeatResponse');
        this.options.deliver(message);
        void reply.then((answer) =>
          callback(null, answer?.type === 'HeartbeatResponse' ? wire.heartbeatResponseToWire(answer) : { dropped: true }),
        );
      },
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

  /** Sends a message the core emitted: a request as a call, an answer as the response to its call. */
  send(message: Message): void {
    if (this.closed) return;
    switch (message.type) {
      case 'PreVoteResponse':
      case 'VoteResponse':
      case 'AppendResponse':
      case 'HeartbeatResponse':
      case 'InstallSnapshotResponse':
        this.replies.fulfil(message);
        return;
      case 'PreVoteRequest':
      case 'VoteRequest':
        this.client(message.to)?.Vote(wire.voteRequestToWire(this.options.clusterId, message), this.deadline(), (error, response) => {
          if (this.usable(error, response)) this.options.deliver(wire.voteResponseFromWire(response!, this.options.nodeId));
        });
        return;
      case 'AppendRequest':
        this.client(message.to)?.Append(wire.appendRequestToWire(this.options.clusterId, message), this.deadline(), (error, response) => {
          if (this.usable(error, response)) this.options.deliver(wire.appendResponseFromWire(response!, this.options.nodeId));
        });
        return;
      case 'HeartbeatRequest':
        this.client(message.to)?.Heartbeat(wire.heartbeatToWire(this.options.clusterId, message), this.deadline(), (error, response) => {
          if (this.usable(error, response)) this.options.deliver(wire.heartbeatResponseFromWire(response!, this.options.nodeId));
        });
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
    if (response === undefined || response.dropped === true) return false;
    if (response.error !== null && response.error !== undefined && response.error.code !== 'NONE') {
      this.options.logger.warn({ error: response.error }, 'peer refused a raft request');
      return false;
    }
    return true;
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
    const client = createServiceClient('Raft', address);
    this.clients.set(peer, client);
    return client;
  }

  close(): void {
    this.closed = true;
    this.replies.clear();
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }
}
