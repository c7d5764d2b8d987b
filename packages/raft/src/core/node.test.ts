import { describe, expect, it } from 'vitest';
import { TestCluster } from '../test-support/cluster.js';
import { RaftConfigError, RaftInvariantError } from './errors.js';
import { MemoryStorage } from './memory-storage.js';
import { RaftNode } from './node.js';
import { SeededRandom } from '@quill/random';

const membership = { voters: [1, 2, 3], observers: [] };

function newNode(overrides: Partial<ConstructorParameters<typeof RaftNode>[0]> = {}): RaftNode {
  return new RaftNode({ id: 1, voters: [1, 2, 3], random: new SeededRandom(1), ...overrides }, new MemoryStorage(membership));
}

describe('RaftNode', () => {
  it('validates its configuration', () => {
    expect(() => newNode({ id: 0 })).toThrow(RaftConfigError);
    expect(() => newNode({ id: 4 })).toThrow(/neither a voter nor an observer/);
    expect(() => newNode({ voters: [1, 2, 2] })).toThrow(/distinct/);
    expect(() => newNode({ observers: [3] })).toThrow(/distinct/);
    expect(() => newNode({ electionTick: 2, heartbeatTick: 2 })).toThrow(/electionTick/);
    expect(() => newNode({ maxInflightMsgs: 0 })).toThrow(/maxInflightMsgs/);
    expect(() => new RaftNode({ id: 1, voters: [1, 2], random: new SeededRandom(1) }, new MemoryStorage(membership))).toThrow(
      /membership differs/,
    );
  });

  it('refuses misaddressed, unknown and malformed messages instead of throwing', () => {
    const node = newNode();
    const heartbeat = { type: 'HeartbeatRequest', term: 1, from: 2, to: 1, commit: 0 } as const;
    expect(node.step({ ...heartbeat, to: 2 })).toMatchObject({ ok: false, reason: 'WrongRecipient' });
    expect(node.step({ ...heartbeat, from: 7 })).toMatchObject({ ok: false, reason: 'UnknownSender' });
    expect(node.step({ ...heartbeat, from: 1 })).toMatchObject({ ok: false, reason: 'UnknownSender' });
    expect(node.step({ ...heartbeat, term: -1 })).toMatchObject({ ok: false, reason: 'MalformedMessage' });
    const entry = { term: 1, index: 2, type: 'normal', data: new Uint8Array(0) } as const;
    const append = { type: 'AppendRequest', term: 1, from: 2, to: 1, prevLogIndex: 0, prevLogTerm: 0, commit: 0 } as const;
    expect(node.step({ ...append, entries: [entry] })).toMatchObject({ ok: false, reason: 'MalformedMessage' });
    expect(node.step({ ...append, entries: [{ ...entry, index: 1, term: 2 }] })).toMatchObject({ ok: false, reason: 'MalformedMessage' });
    expect(node.hasReady()).toBe(false);
    expect(node.step({ ...append, entries: [{ ...entry, index: 1 }] })).toEqual({ ok: true });
  });

  it('hands out one Ready at a time and insists on advancing the one handed out', () => {
    const cluster = new TestCluster([1, 2, 3]);
    const node = cluster.node(1);
    cluster.tickUntilCampaign(1);
    const ready = node.ready();
    expect(node.hasReady()).toBe(false);
    expect(() => node.ready()).toThrow(RaftInvariantError);
    expect(() => node.advance({ ...ready })).toThrow(RaftInvariantError);
    node.advance(ready);
    expect(node.readyIfAny()).toBeUndefined();
  });

  it('persists the vote in the Ready that asks for votes, and grants only with the vote persisted', () => {
    const cluster = new TestCluster([1, 2, 3], [], { preVote: false });
    cluster.tickUntilCampaign(1);
    const ready = cluster.node(1).ready();
    expect(ready.hardState).toEqual({ term: 1, vote: 1, commit: 0 });
    expect(ready.mustSync).toBe(true);
    expect(ready.messages.map((message) => message.type)).toEqual(['VoteRequest', 'VoteRequest']);
    const request = ready.messages[0];
    if (request === undefined) throw new Error('no request');
    cluster.node(2).step(request);
    const answer = cluster.node(2).ready();
    expect(answer.hardState).toEqual({ term: 1, vote: 1, commit: 0 });
    expect(answer.messages).toEqual([expect.objectContaining({ type: 'VoteResponse', granted: true })]);
  });

  it('does not sync a Ready whose only change is the commit index', () => {
    const cluster = new TestCluster([1, 2, 3]);
    cluster.elect(1);
    cluster.paused.add(2);
    cluster.propose(1, 'a');
    cluster.deliverRound();
    cluster.complete(2, cluster.node(2).ready());
    cluster.node(2).step({ type: 'HeartbeatRequest', term: 1, from: 1, to: 2, commit: 2 });
    const commitOnly = cluster.node(2).ready();
    expect(commitOnly).toMatchObject({ hardState: { term: 1, vote: 1, commit: 2 }, mustSync: false, entries: [] });
  });

  it('restarts from storage with its term, vote, commit index and log', () => {
    const cluster = new TestCluster([1, 2, 3]);
    cluster.elect(1);
    cluster.propose(1, 'a');
    cluster.stabilize();
    const before = cluster.node(2).status();
    const restarted = cluster.start(2);
    expect(restarted.status()).toMatchObject({
      role: 'follower',
      term: before.term,
      vote: before.vote,
      commit: before.commit,
      applied: 0,
      lastIndex: before.lastIndex,
      leaderId: 0,
    });
    cluster.flushReadies();
    expect(cluster.appliedTexts(2)).toEqual(['a']);
  });

  it('drops unsent messages of an older term once the node moves to a newer one', () => {
    const cluster = new TestCluster([1, 2, 3], [], { checkQuorum: false });
    cluster.elect(1);
    cluster.paused.add(2);
    cluster.propose(1, 'a');
    cluster.deliverRound(); // node 2 appends and queues its acknowledgement (term 1)
    const node = cluster.node(2);
    node.step({ type: 'VoteRequest', term: 2, from: 3, to: 2, lastLogIndex: 9, lastLogTerm: 1, leadershipTransfer: false });
    // The acknowledgement claimed entries matching term 1's leader; now in term 2, only
    // the vote (which the Ready's hard state backs) goes out.
    const ready = node.ready();
    expect(ready.hardState).toEqual({ term: 2, vote: 3, commit: 1 });
    expect(ready.messages).toEqual([expect.objectContaining({ type: 'VoteResponse', term: 2, granted: true })]);
  });

  it('reports soft state changes in the Ready', () => {
    const cluster = new TestCluster([1, 2, 3]);
    cluster.paused.add(1);
    cluster.tickUntilCampaign(1);
    expect(cluster.node(1).ready().softState).toEqual({ leaderId: 0, role: 'pre-candidate' });
  });
});
