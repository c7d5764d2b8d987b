import { describe, expect, it } from 'vitest';
import { TestCluster } from '../test-support/cluster.js';

describe('observers (non-voting members)', () => {
  it('never campaign', () => {
    const cluster = new TestCluster([1, 2, 3], [4]);
    const observer = cluster.node(4);
    for (let i = 0; i < 200; i++) observer.tick();
    expect(observer.role).toBe('follower');
    expect(observer.term).toBe(0);
    expect(observer.hasReady()).toBe(false);
  });

  it('receive and apply the committed log', () => {
    const cluster = new TestCluster([1, 2, 3], [4, 5]);
    cluster.elect(1);
    cluster.propose(1, 'a');
    cluster.stabilize();
    expect(cluster.appliedTexts(4)).toEqual(['a']);
    expect(cluster.appliedTexts(5)).toEqual(['a']);
    expect(cluster.node(4).status().leaderId).toBe(1);
  });

  it('never count toward a commit quorum', () => {
    const cluster = new TestCluster([1, 2, 3], [4, 5]);
    cluster.elect(1);
    cluster.isolated.add(2);
    cluster.isolated.add(3);
    cluster.propose(1, 'a');
    cluster.stabilize();
    // Three of five members hold the entry, but only one of three voters.
    expect(cluster.node(1).followerProgress(4)?.match).toBe(2);
    expect(cluster.node(1).followerProgress(5)?.match).toBe(2);
    expect(cluster.node(1).commitIndex).toBe(1);
    cluster.isolated.delete(2);
    cluster.tickAll(1);
    expect(cluster.node(1).commitIndex).toBe(2);
  });

  it('never grant votes, and their answers are not counted', () => {
    const cluster = new TestCluster([1, 2, 3], [4]);
    cluster.node(4).step({ type: 'VoteRequest', term: 1, from: 1, to: 4, lastLogIndex: 0, lastLogTerm: 0, leadershipTransfer: false });
    expect(cluster.node(4).ready().messages).toEqual([expect.objectContaining({ type: 'VoteResponse', granted: false })]);
    expect(cluster.node(4).status().vote).toBe(0);

    cluster.isolated.add(2);
    cluster.isolated.add(3);
    cluster.tickUntilCampaign(1);
    cluster.node(1).step({ type: 'PreVoteResponse', term: 1, from: 4, to: 1, granted: true });
    expect(cluster.node(1).role).toBe('pre-candidate');
  });

  it('are not asked for votes and do not block elections while down', () => {
    const cluster = new TestCluster([1, 2, 3], [4]);
    cluster.isolated.add(4);
    cluster.tickUntilCampaign(1);
    cluster.flushReadies();
    expect(cluster.inFlight.every((message) => message.to !== 4)).toBe(true);
    cluster.stabilize();
    expect(cluster.node(1).role).toBe('leader');
  });
});
