import { describe, expect, it } from 'vitest';
import { TestCluster } from '../test-support/cluster.js';
import type { AppendResponse, Message } from './messages.js';
import type { Entry } from './types.js';

/** Entries 1..n with the given terms. */
function logWithTerms(terms: readonly number[]): Entry[] {
  return terms.map((term, i) => ({ term, index: i + 1, type: 'normal', data: new Uint8Array([i]) }));
}

function termsOf(cluster: TestCluster, id: number): number[] {
  const node = cluster.node(id);
  const terms: number[] = [];
  for (let index = node.firstIndex; index <= node.lastIndex; index++) terms.push(node.termAt(index) ?? -1);
  return terms;
}

describe('log replication', () => {
  // The follower logs of Figure 7 in the Raft paper, against the leader of term 8.
  const leaderLog = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
  const followerLogs: Record<string, number[]> = {
    'a (missing entries)': [1, 1, 1, 4, 4, 5, 5, 6, 6],
    'b (far behind)': [1, 1, 1, 4],
    'c (extra entry)': [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
    'd (extra entries of a later term)': [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
    'e (divergent tail)': [1, 1, 1, 4, 4, 4, 4],
    'f (long divergent tail)': [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
  };

  for (const [name, followerLog] of Object.entries(followerLogs)) {
    it(`makes follower ${name} match the leader, skipping a divergent term per round trip`, () => {
      const cluster = new TestCluster([1, 2, 3]);
      for (const [id, terms] of [[1, leaderLog], [2, followerLog], [3, leaderLog]] as const) {
        cluster.storage(id).append(logWithTerms(terms));
        cluster.storage(id).setHardState({ term: 7, vote: 0, commit: 0 });
        cluster.start(id);
      }
      const rejections: AppendResponse[] = [];
      cluster.dropIf = (message) => {
        if (message.type === 'AppendResponse' && message.reject && message.from === 2) rejections.push(message);
        return false;
      };
      cluster.elect(1);
      expect(cluster.node(1).term).toBe(8);
      expect(termsOf(cluster, 2)).toEqual([...leaderLog, 8]);
      expect(cluster.node(2).commitIndex).toBe(11);
      // One rejection per distinct divergent term at most (plus the first probe).
      const divergentTerms = new Set(followerLog.filter((term, i) => term !== leaderLog[i])).size;
      expect(rejections.length).toBeLessThanOrEqual(divergentTerms + 1);
    });
  }

  it('commits only entries of the current term by counting replicas (Figure 8)', () => {
    const cluster = new TestCluster([1, 2, 3, 4, 5], [], { checkQuorum: false, maxSizePerMsg: 1 });
    cluster.elect(1); // no-op (1, t1) committed everywhere

    // (a) Leader 1 replicates entry 2 to node 2 only.
    cluster.dropIf = (message) => message.type === 'AppendRequest' && message.from === 1 && message.to !== 2;
    cluster.propose(1, 'x');
    cluster.stabilize();
    expect(cluster.node(1).commitIndex).toBe(1);

    // (b) Node 1 goes down; node 5 wins term 2 with votes of 3 and 4 and appends its
    // no-op at index 2, which reaches nobody.
    cluster.isolated.add(1);
    cluster.dropIf = (message) => message.type === 'AppendRequest' && message.from === 5;
    cluster.elect(5);
    expect(cluster.node(5).termAt(2)).toBe(2);

    // (c) Node 5 goes down; node 1 restarts and wins term 3. It replicates its old entry
    // (2, t1) to nodes 2, 3 and 4, but its own no-op (3, t3) only to node 2.
    cluster.isolated.clear();
    cluster.isolated.add(5);
    cluster.start(1);
    cluster.dropIf = (message) =>
      message.type === 'AppendRequest' &&
      (message.to === 3 || message.to === 4) &&
      message.entries.some((entry) => entry.index === 3) &&
      cluster.node(message.to).termAt(2) === 1;
    cluster.elect(1);
    expect(cluster.node(1).term).toBe(3);
    for (const id of [2, 3, 4]) expect(cluster.node(id).termAt(2)).toBe(1);
    // Stored on 4 of 5 nodes, yet not committed: it is not of the leader's term.
    expect(cluster.node(1).commitIndex).toBe(1);

    // (d) Node 1 goes down; node 5 (last entry (2, t2), more up to date than (2, t1))
    // wins with the votes of 3 and 4 and overwrites index 2 everywhere. Had index 2 been committed, this would lose it.
    cluster.isolated.clear();
    cluster.isolated.add(1);
    cluster.start(5);
    cluster.dropIf = () => false;
    cluster.elect(5);
    for (const id of [2, 3, 4, 5]) {
      expect(cluster.node(id).termAt(2)).toBe(2);
      expect(cluster.node(id).commitIndex).toBe(3);
    }
  });

  it('commits entries of earlier terms once an entry of its own term reaches a majority', () => {
    const cluster = new TestCluster([1, 2, 3], [], { checkQuorum: false });
    cluster.elect(1);
    cluster.dropIf = (message) => message.type === 'AppendRequest' && message.from === 1;
    cluster.propose(1, 'x'); // (2, t1), on node 1 only
    cluster.stabilize();
    cluster.dropIf = () => false;
    cluster.isolated.add(3);
    cluster.start(1); // node 1 restarts from its disk
    cluster.elect(1); // and wins term 2 with node 2, whose log is behind
    expect(cluster.node(1).term).toBe(2);
    // Its no-op (3, t2) reached node 2, which commits (2, t1) along with it.
    expect(cluster.node(1).commitIndex).toBe(3);
    expect(cluster.appliedTexts(2)).toEqual(['x']);
  });

  it('has followers acknowledge entries only in the Ready that persists them', () => {
    const cluster = new TestCluster([1, 2, 3]);
    cluster.elect(1);
    cluster.paused.add(2);
    cluster.propose(1, 'x');
    cluster.deliverRound();
    const ready = cluster.node(2).ready();
    expect(ready.entries.map((entry) => entry.index)).toEqual([2]);
    expect(ready.mustSync).toBe(true);
    expect(ready.messages).toEqual([expect.objectContaining({ type: 'AppendResponse', reject: false, matchIndex: 2 })]);
  });

  it('counts the leader itself toward a commit only once it persisted the entry', () => {
    const cluster = new TestCluster([1, 2, 3, 4, 5]);
    cluster.elect(1);
    cluster.isolated.add(4);
    cluster.isolated.add(5);
    cluster.paused.add(1);
    cluster.propose(1, 'x');
    const leaderReady = cluster.node(1).ready();
    // The caller persisted and sent, but has not called advance(): the node cannot know.
    cluster.storage(1).append(leaderReady.entries);
    cluster.inFlight.push(...leaderReady.messages);
    cluster.deliverRound(); // nodes 2 and 3 persist and acknowledge
    cluster.deliverRound();
    expect(cluster.node(1).followerProgress(2)?.match).toBe(2);
    expect(cluster.node(1).followerProgress(3)?.match).toBe(2);
    expect(cluster.node(1).commitIndex).toBe(1); // 2 of 5 replicas known durable
    cluster.node(1).advance(leaderReady);
    expect(cluster.node(1).commitIndex).toBe(2);
  });

  it('sends a heartbeat commit index no higher than the follower is known to hold', () => {
    const cluster = new TestCluster([1, 2, 3]);
    cluster.elect(1);
    cluster.isolated.add(3);
    cluster.propose(1, 'x');
    cluster.stabilize();
    cluster.isolated.clear();
    cluster.node(1).tick();
    cluster.flushReadies();
    const heartbeats = cluster.inFlight.filter((message): message is Extract<Message, { type: 'HeartbeatRequest' }> => message.type === 'HeartbeatRequest');
    expect(heartbeats.find((message) => message.to === 2)?.commit).toBe(2);
    expect(heartbeats.find((message) => message.to === 3)?.commit).toBe(1);
    cluster.stabilize();
    expect(cluster.appliedTexts(3)).toEqual(['x']);
  });

  it('refuses proposals on followers with a hint, and beyond the uncommitted limit on the leader', () => {
    const cluster = new TestCluster([1, 2, 3], [], { maxUncommittedEntriesSize: 10 });
    cluster.elect(1);
    expect(cluster.node(2).propose(new Uint8Array(1))).toEqual({ ok: false, reason: 'NotLeader', leaderHint: 1 });
    cluster.isolated.add(2);
    cluster.isolated.add(3);
    expect(cluster.node(1).propose(new Uint8Array(8))).toMatchObject({ ok: true, index: 2 });
    expect(cluster.node(1).propose(new Uint8Array(8))).toEqual({ ok: false, reason: 'UncommittedLimitReached', leaderHint: 1 });
    cluster.isolated.clear();
    cluster.tickAll(1);
    expect(cluster.node(1).propose(new Uint8Array(8))).toMatchObject({ ok: true, index: 3 });
  });
});
