import { describe, expect, it } from 'vitest';
import { TestCluster } from '../test-support/cluster.js';

describe('leadership transfer', () => {
  it('hands over to an up-to-date follower with TimeoutNow, without a pre-vote', () => {
    const cluster = new TestCluster([1, 2, 3]);
    cluster.elect(1);
    expect(cluster.node(1).transferLeadership(2)).toEqual({ ok: true });
    cluster.flushReadies();
    expect(cluster.inFlight).toEqual([expect.objectContaining({ type: 'TimeoutNow', from: 1, to: 2 })]);
    cluster.stabilize();
    expect(cluster.node(2).role).toBe('leader');
    expect(cluster.node(2).term).toBe(2);
    expect(cluster.node(1).role).toBe('follower');
  });

  it('catches a lagging transferee up before handing over', () => {
    const cluster = new TestCluster([1, 2, 3]);
    cluster.elect(1);
    cluster.isolated.add(3);
    cluster.propose(1, 'a');
    cluster.propose(1, 'b');
    cluster.stabilize();
    cluster.isolated.clear();
    expect(cluster.node(1).transferLeadership(3)).toEqual({ ok: true });
    cluster.flushReadies();
    expect(cluster.inFlight.map((message) => message.type)).toEqual(['AppendRequest']);
    cluster.stabilize();
    expect(cluster.node(3).role).toBe('leader');
    cluster.tickAll(1);
    expect(cluster.appliedTexts(3)).toEqual(['a', 'b']);
  });

  it('refuses proposals while transferring and gives up after an election timeout', () => {
    const cluster = new TestCluster([1, 2, 3]);
    cluster.elect(1);
    cluster.isolated.add(2);
    expect(cluster.node(1).transferLeadership(2)).toEqual({ ok: true });
    expect(cluster.node(1).propose(new Uint8Array(1))).toEqual({ ok: false, reason: 'LeadershipTransferInProgress', leaderHint: 2 });
    cluster.tickAll(10);
    expect(cluster.node(1).role).toBe('leader');
    expect(cluster.node(1).status().leadTransferee).toBe(0);
    expect(cluster.node(1).propose(new Uint8Array(1))).toMatchObject({ ok: true });
  });

  it('refuses transfers it cannot do', () => {
    const cluster = new TestCluster([1, 2, 3], [4]);
    cluster.elect(1);
    expect(cluster.node(2).transferLeadership(3)).toEqual({ ok: false, reason: 'NotLeader', leaderHint: 1 });
    expect(cluster.node(1).transferLeadership(1)).toEqual({ ok: false, reason: 'AlreadyLeader' });
    expect(cluster.node(1).transferLeadership(4)).toEqual({ ok: false, reason: 'NotAVoter' });
    expect(cluster.node(1).transferLeadership(9)).toEqual({ ok: false, reason: 'NotAVoter' });
  });
});
