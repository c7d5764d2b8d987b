import { describe, expect, it } from 'vitest';
import { TestCluster } from '../test-support/cluster.js';
import type { Message } from './messages.js';

describe('leader election', () => {
  it('elects a leader that commits a no-op of its own term on every node', () => {
    const cluster = new TestCluster([1, 2, 3]);
    cluster.elect(1);
    expect(cluster.node(1).role).toBe('leader');
    for (const id of [1, 2, 3]) {
      const status = cluster.node(id).status();
      expect(status.term).toBe(1);
      expect(status.leaderId).toBe(1);
      expect(status.commit).toBe(1);
    }
    expect(cluster.applied.get(2)?.map((entry) => entry.type)).toEqual(['noop']);
  });

  it('runs a pre-vote round before bumping the term', () => {
    const cluster = new TestCluster([1, 2, 3]);
    cluster.tickUntilCampaign(1);
    const ready = cluster.node(1).ready();
    expect(ready.hardState).toBeUndefined(); // neither term nor vote changed yet
    expect(ready.messages.map((message) => message.type)).toEqual(['PreVoteRequest', 'PreVoteRequest']);
    expect(ready.messages.every((message) => message.term === 1)).toBe(true);
    expect(cluster.node(1).term).toBe(0);
  });

  it('rejects a candidate whose log is behind', () => {
    const cluster = new TestCluster([1, 2, 3], [], { checkQuorum: false });
    cluster.elect(1);
    cluster.isolated.add(3);
    cluster.propose(1, 'a');
    cluster.stabilize();
    cluster.isolated.clear();
    cluster.isolated.add(1);
    // Node 3 lacks 'a', which node 2 holds: node 2 refuses it.
    cluster.tickUntilCampaign(3);
    cluster.stabilize();
    expect(cluster.node(3).role).not.toBe('leader');
    cluster.elect(2);
    expect(cluster.node(2).role).toBe('leader');
  });

  it('lets a partitioned node rejoin without disrupting a stable leader (pre-vote)', () => {
    const cluster = new TestCluster([1, 2, 3]);
    cluster.elect(1);
    const term = cluster.node(1).term;
    cluster.isolated.add(3);
    cluster.tickAll(60); // node 3 keeps pre-campaigning, unheard
    expect(cluster.node(3).term).toBe(term);
    cluster.isolated.clear();
    cluster.tickAll(5);
    expect(cluster.node(1).role).toBe('leader');
    expect(cluster.node(1).term).toBe(term);
    expect(cluster.node(3).status().leaderId).toBe(1);
  });

  it('without pre-vote, the same partition forces a new election on rejoining', () => {
    const cluster = new TestCluster([1, 2, 3], [], { preVote: false });
    cluster.elect(1);
    const term = cluster.node(1).term;
    cluster.isolated.add(3);
    cluster.tickAll(60);
    expect(cluster.node(3).term).toBeGreaterThan(term);
    cluster.isolated.clear();
    cluster.tickAll(40);
    expect(cluster.node(1).term).toBeGreaterThan(term);
  });

  it('steps a leader down when it has not heard from a quorum within an election timeout (check quorum)', () => {
    const cluster = new TestCluster([1, 2, 3]);
    cluster.elect(1);
    cluster.isolated.add(1);
    // The first check-quorum round still counts the election's responses as recent.
    for (let i = 0; i < 10; i++) cluster.node(1).tick();
    expect(cluster.node(1).role).toBe('leader');
    for (let i = 0; i < 10; i++) cluster.node(1).tick();
    expect(cluster.node(1).role).toBe('follower');
    expect(cluster.node(1).term).toBe(1);
    expect(cluster.node(1).status().leaderId).toBe(0);
  });

  it('keeps an isolated leader in place when check quorum is off', () => {
    const cluster = new TestCluster([1, 2, 3], [], { checkQuorum: false });
    cluster.elect(1);
    cluster.isolated.add(1);
    for (let i = 0; i < 50; i++) cluster.node(1).tick();
    expect(cluster.node(1).role).toBe('leader');
  });

  it('makes followers that heard from a leader recently ignore vote requests (leader lease)', () => {
    const cluster = new TestCluster([1, 2, 3]);
    cluster.elect(1);
    const term = cluster.node(1).term;
    const status = cluster.node(3).status();
    const request: Message = {
      type: 'VoteRequest',
      term: term + 1,
      from: 3,
      to: 2,
      lastLogIndex: status.lastIndex,
      lastLogTerm: term,
      leadershipTransfer: false,
    };
    expect(cluster.node(2).step(request)).toEqual({ ok: true });
    expect(cluster.node(2).term).toBe(term);
    expect(cluster.node(2).hasReady()).toBe(false);
    // A leadership transfer bypasses the lease.
    cluster.node(2).step({ ...request, leadershipTransfer: true });
    expect(cluster.node(2).term).toBe(term + 1);
    expect(cluster.node(2).ready().messages).toEqual([expect.objectContaining({ type: 'VoteResponse', granted: true, to: 3 })]);
  });

  it('tells a stale leader about the newer term so that it steps down', () => {
    const cluster = new TestCluster([1, 2, 3], [], { checkQuorum: false });
    cluster.elect(1);
    cluster.isolated.add(1);
    cluster.elect(2); // node 1, not ticked, still believes it leads term 1
    expect(cluster.node(1).role).toBe('leader');
    cluster.isolated.clear();
    cluster.node(1).tick(); // its heartbeats are answered with term 2
    cluster.stabilize();
    expect(cluster.node(1).role).toBe('follower');
    expect(cluster.node(1).term).toBe(2);
    cluster.tickAll(1);
    expect(cluster.node(1).status().leaderId).toBe(2);
  });
});
