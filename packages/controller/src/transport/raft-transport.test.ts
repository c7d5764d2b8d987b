import { Server, ServerCredentials, status, type ServerDuplexStream } from '@grpc/grpc-js';
import {
  createServiceClient,
  loadQuillPackage,
  type AppendRequest__Output,
  type AppendResponse,
  type RaftHandlers,
  type RaftHeartbeatResponse__Output,
} from '@quill/proto';
import type { Message } from '@quill/raft';
import { eventually } from '@quill/test-support';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { RaftTransport, type RaftTransportOptions } from './raft-transport.js';

// Real gRPC servers on loopback. A peer is either another RaftTransport's handlers or a scripted
// Raft server that misbehaves on purpose (never answers, ends its streams, stops reading).

const CLUSTER = 'transport-test';
const servers: Server[] = [];
const transports: RaftTransport[] = [];

afterEach(() => {
  for (const transport of transports.splice(0)) transport.close();
  for (const server of servers.splice(0)) server.forceShutdown();
});

async function serve(handlers: Partial<RaftHandlers>, port = 0): Promise<{ server: Server; address: string }> {
  const server = new Server();
  server.addService(loadQuillPackage().quill.v1.Raft.service, handlers as RaftHandlers);
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (error, p) => (error ? reject(error) : resolve(p))),
  );
  servers.push(server);
  return { server, address: `127.0.0.1:${bound}` };
}

/** Log lines at debug and above, parsed. */
function capturingLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

function transport(options: Partial<RaftTransportOptions> & Pick<RaftTransportOptions, 'nodeId' | 'peers'>): { transport: RaftTransport; received: Message[] } {
  const received: Message[] = [];
  const created = new RaftTransport({
    clusterId: CLUSTER,
    logger: pino({ level: 'silent' }),
    deliver: (message) => received.push(message),
    ...options,
  });
  transports.push(created);
  return { transport: created, received };
}

const append = (to: number, prevLogIndex = 0, data?: Buffer): Message => ({
  type: 'AppendRequest',
  term: 1,
  from: 1,
  to,
  prevLogIndex,
  prevLogTerm: prevLogIndex === 0 ? 0 : 1,
  entries: data === undefined ? [] : [{ term: 1, index: prevLogIndex + 1, type: 'normal', data }],
  commit: 0,
});
const heartbeat = (to: number): Message => ({ type: 'HeartbeatRequest', term: 1, from: 1, to, commit: 0 });
const appendAnswer = (followerId: number, matchIndex: number): AppendResponse => ({ term: 1, success: true, followerId, matchIndex });

/** A scripted AppendStream peer: records every stream it is opened and what each received. */
function scriptedAppends(answer: (request: AppendRequest__Output, call: ServerDuplexStream<AppendRequest__Output, AppendResponse>, streamIndex: number) => void) {
  const streams: Array<{ requests: AppendRequest__Output[]; cancelled: boolean; call: ServerDuplexStream<AppendRequest__Output, AppendResponse> }> = [];
  const handlers: Partial<RaftHandlers> = {
    AppendStream: (call) => {
      const stream = { requests: [] as AppendRequest__Output[], cancelled: false, call };
      const index = streams.push(stream) - 1;
      call.on('cancelled', () => void (stream.cancelled = true));
      call.on('error', () => void (stream.cancelled = true));
      call.on('data', (request: AppendRequest__Output) => {
        stream.requests.push(request);
        answer(request, call, index);
      });
    },
  };
  return { streams, handlers };
}

describe('RaftTransport streams (real gRPC on loopback)', () => {
  it('carries appends and heartbeats on one stream per peer and kind, and the answers back', async () => {
    const opened = { append: 0, heartbeat: 0 };
    let follower: RaftTransport | undefined;
    const followerReceived: Message[] = [];
    const real = (): RaftHandlers => follower!.handlers();
    const { address } = await serve({
      AppendStream: (call) => {
        opened.append++;
        real().AppendStream(call);
      },
      HeartbeatStream: (call) => {
        opened.heartbeat++;
        real().HeartbeatStream(call);
      },
    });
    const leader = transport({ nodeId: 1, peers: new Map([[2, address]]) });
    follower = new RaftTransport({
      nodeId: 2,
      clusterId: CLUSTER,
      peers: new Map(),
      logger: pino({ level: 'silent' }),
      deliver: (message) => {
        followerReceived.push(message);
        // The follower's core answers every request (as the Raft core does, later and on its own).
        if (message.type === 'AppendRequest') {
          follower!.send({ type: 'AppendResponse', term: 1, from: 2, to: 1, reject: false, matchIndex: message.prevLogIndex, rejectedIndex: 0, conflictIndex: 0, conflictTerm: 0 });
        } else if (message.type === 'HeartbeatRequest') {
          follower!.send({ type: 'HeartbeatResponse', term: 1, from: 2, to: 1 });
        }
      },
    });
    transports.push(follower);

    for (let i = 1; i <= 50; i++) {
      leader.transport.send(append(2, i));
      leader.transport.send(heartbeat(2));
    }
    await eventually(() => leader.received.length === 100);
    expect(followerReceived.filter((m) => m.type === 'AppendRequest').map((m) => (m as { prevLogIndex: number }).prevLogIndex)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    const answers = leader.received.filter((m) => m.type === 'AppendResponse');
    expect(answers).toHaveLength(50);
    expect(answers[49]).toMatchObject({ type: 'AppendResponse', from: 2, to: 1, reject: false, matchIndex: 50 });
    expect(leader.received.filter((m) => m.type === 'HeartbeatResponse')).toHaveLength(50);
    expect(opened).toEqual({ append: 1, heartbeat: 1 });
  });

  it('still answers requests for another cluster or node with a refusal, which the sender logs', async () => {
    const follower = transport({ nodeId: 2, peers: new Map() });
    const { address } = await serve(follower.transport.handlers());
    const { logger, lines } = capturingLogger();
    // Node 3's address is (wrongly) node 2's: requests for 3 reach 2.
    const wrongCluster = transport({ nodeId: 1, clusterId: 'another-cluster', peers: new Map([[2, address]]), logger });
    const wrongNode = transport({ nodeId: 1, peers: new Map([[3, address]]), logger });

    wrongCluster.transport.send(append(2));
    wrongCluster.transport.send(heartbeat(2));
    wrongNode.transport.send(append(3));
    wrongNode.transport.send(heartbeat(3));
    const refusals = await eventually(() => {
      const found = lines.filter((line) => line['msg'] === 'peer refused a raft request');
      return found.length === 4 && found;
    });
    expect(refusals.map((line) => (line['error'] as { code: string }).code).sort()).toEqual([
      'INCONSISTENT_CLUSTER_ID',
      'INCONSISTENT_CLUSTER_ID',
      'INCONSISTENT_VOTER_SET',
      'INCONSISTENT_VOTER_SET',
    ]);
    expect(refusals.every((line) => line['level'] === 40)).toBe(true);
    expect(follower.received).toEqual([]);
    expect(wrongCluster.received).toEqual([]);
    expect(wrongNode.received).toEqual([]);
  });

  it('cancels a stream that gets no answer for requestTimeoutMs and opens a new one on the next send', async () => {
    // A blackholed or paused peer: it takes the messages and never answers (until told to).
    let answering = false;
    const peer = scriptedAppends((request, call) => {
      if (answering) call.write(appendAnswer(2, request.prevLogIndex));
    });
    const { address } = await serve(peer.handlers);
    const leader = transport({ nodeId: 1, peers: new Map([[2, address]]), requestTimeoutMs: 300 });

    const sentAt = Date.now();
    leader.transport.send(append(2, 1));
    await eventually(() => peer.streams[0]?.cancelled);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(250);
    expect(peer.streams).toHaveLength(1);

    answering = true;
    leader.transport.send(append(2, 2));
    await eventually(() => leader.received.length === 1);
    expect(peer.streams).toHaveLength(2);
    expect(peer.streams[1]!.requests.map((r) => r.prevLogIndex)).toEqual([2]);
    expect(leader.received[0]).toMatchObject({ type: 'AppendResponse', from: 2, matchIndex: 2 });
  });

  it('keeps a stream that is answered steadily, however long it lives', async () => {
    const peer = scriptedAppends((request, call) => call.write(appendAnswer(2, request.prevLogIndex)));
    const { address } = await serve(peer.handlers);
    const leader = transport({ nodeId: 1, peers: new Map([[2, address]]), requestTimeoutMs: 400 });

    // Three times the timeout, one message every 60 ms, each answered.
    for (let i = 1; i <= 20; i++) {
      leader.transport.send(append(2, i));
      await eventually(() => leader.received.length === i);
      await new Promise((resolve) => setTimeout(resolve, 60));
    }
    expect(peer.streams).toHaveLength(1);
    expect(peer.streams[0]!.cancelled).toBe(false);
  });

  it('opens a new stream on the next send after the peer ends or fails one', async () => {
    // Stream 0 is ended by the peer, stream 1 fails with an error status, stream 2 works.
    const peer = scriptedAppends((request, call, streamIndex) => {
      if (streamIndex === 0) call.end();
      else if (streamIndex === 1) call.emit('error', { code: status.UNAVAILABLE, details: 'peer is shutting down' });
      else call.write(appendAnswer(2, request.prevLogIndex));
    });
    const { address } = await serve(peer.handlers);
    const { logger, lines } = capturingLogger();
    const leader = transport({ nodeId: 1, peers: new Map([[2, address]]), logger });

    leader.transport.send(append(2, 1));
    await eventually(() => lines.some((line) => line['reason'] === 'stream ended by the peer'));
    leader.transport.send(append(2, 2));
    await eventually(() => lines.some((line) => String(line['reason']).includes('peer is shutting down')));
    leader.transport.send(append(2, 3));
    await eventually(() => leader.received.length === 1);
    expect(peer.streams.map((s) => s.requests.map((r) => r.prevLogIndex))).toEqual([[1], [2], [3]]);
    expect(leader.received[0]).toMatchObject({ type: 'AppendResponse', matchIndex: 3 });
  });

  it('reaches a peer again after it restarts on the same address', async () => {
    const follower = transport({ nodeId: 2, peers: new Map() });
    const first = await serve(follower.transport.handlers());
    const leader = transport({ nodeId: 1, peers: new Map([[2, first.address]]) });
    leader.transport.send(heartbeat(2));
    await eventually(() => follower.received.length === 1);

    first.server.forceShutdown();
    const restarted = transport({ nodeId: 2, peers: new Map() });
    await serve(restarted.transport.handlers(), Number(first.address.split(':')[1]));
    // Raft retransmits on its timers; messages sent while the stream is being replaced may be lost.
    await eventually(() => {
      leader.transport.send(heartbeat(2));
      return restarted.received.length > 0;
    });
    expect(restarted.received[0]).toMatchObject({ type: 'HeartbeatRequest', from: 1, to: 2 });
  });

  it('drops messages instead of queueing them when the peer stops reading', async () => {
    // The peer stops reading after the first message: HTTP/2 flow control then fills the buffers.
    let paused = false;
    const peer = scriptedAppends((_request, call) => {
      if (paused) return;
      paused = true;
      call.pause();
    });
    const { address } = await serve(peer.handlers);
    const leader = transport({ nodeId: 1, peers: new Map([[2, address]]), requestTimeoutMs: 60_000, maxStreamBufferedMessages: 16 });

    leader.transport.send(append(2, 1));
    await eventually(() => peer.streams[0]?.requests.length === 1);
    const entry = Buffer.alloc(256 * 1024, 7);
    const sent = 200; // 50 MiB if all were queued
    for (let i = 2; i <= sent; i++) {
      leader.transport.send(append(2, i, entry));
      // Lets grpc-js hand what it can to HTTP/2 between sends, as between Raft's Ready rounds.
      await new Promise((resolve) => setImmediate(resolve));
    }
    peer.streams[0]!.call.resume();
    // Once the buffers drain a marker goes through; it is the last message the peer reads.
    const marker = 1_000_000;
    await eventually(() => {
      leader.transport.send(append(2, marker));
      return peer.streams[0]!.requests.some((r) => r.prevLogIndex === marker);
    });
    const delivered = peer.streams[0]!.requests.filter((r) => r.prevLogIndex < marker);
    expect(delivered.length).toBeGreaterThan(16);
    expect(delivered.length).toBeLessThan(sent / 2);
    expect(peer.streams).toHaveLength(1);
  });

  it('answers heartbeats on the stream the peer used last', async () => {
    const follower = transport({ nodeId: 2, peers: new Map() });
    const { address } = await serve(follower.transport.handlers());
    const client = createServiceClient('Raft', address);
    const older = client.HeartbeatStream();
    const newer = client.HeartbeatStream();
    const answers = { older: [] as RaftHeartbeatResponse__Output[], newer: [] as RaftHeartbeatResponse__Output[] };
    older.on('data', (r: RaftHeartbeatResponse__Output) => answers.older.push(r));
    newer.on('data', (r: RaftHeartbeatResponse__Output) => answers.newer.push(r));
    older.on('error', () => undefined);
    newer.on('error', () => undefined);
    const request = { clusterId: CLUSTER, destinationId: 2, term: 1, leaderId: 1, commit: 0 };
    try {
      older.write(request);
      await eventually(() => follower.received.length === 1);
      follower.transport.send({ type: 'HeartbeatResponse', term: 1, from: 2, to: 1 });
      await eventually(() => answers.older.length === 1);
      newer.write(request);
      await eventually(() => follower.received.length === 2);
      follower.transport.send({ type: 'HeartbeatResponse', term: 1, from: 2, to: 1 });
      await eventually(() => answers.newer.length === 1);
      expect(answers.older).toHaveLength(1);
      expect(answers.newer[0]).toMatchObject({ followerId: 2, term: 1 });
      // An answer for a peer with no stream goes nowhere (and breaks nothing).
      follower.transport.send({ type: 'HeartbeatResponse', term: 1, from: 2, to: 9 });
    } finally {
      older.cancel();
      newer.cancel();
      client.close();
    }
  });
});
