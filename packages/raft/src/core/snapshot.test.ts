import { describe, expect, it } from 'vitest';
import { TestCluster } from '../test-support/cluster.js';
import type { Message } from './messages.js';

function isSnapshotRequest(message: Message): boolean {
  return message.type === 'InstallSnapshotRequest';
}

/** A 3-node cluster where node 3 missed five entries that the leader then compacted away. */
function clusterWithCompactedLeader(): TestCluster {
  const cluster = new TestCluster([1, 2, 3]);
  cluster.elect(1);
  cluster.isolated.add(3);
  for (const text of ['a', 'b', 'c', 'd', 'e']) cluster.propose(1, text);
  cluster.stabilize();
  const leader = cluster.node(1);
  expect(leader.status().applied).toBe(6);
  cluster.storage(1).compact(6, new TextEncoder().encode('state at 6'));
  expect(leader.firstIndex).toBe(7);
  cluster.isolated.clear();
  return cluster;
}

describe('snapshots', () => {
  it('sends a snapshot to a follower whose next entries are compacted, then resumes with entries', () => {
    const cluster = clusterWithCompactedLeader();
    const intercepted: Message[] = [];
    cluster.dropIf = (message) => isSnapshotRequest(message) && intercepted.push(message) > 0;
    cluster.tickAll(2); // heartbeat; node 3's answer tells the leader it is alive, then the snapshot goes out
    expect(intercepted).toHaveLength(1);
    expect(cluster.node(1).followerProgress(3)?.state).toBe('snapshot');

    cluster.node(3).step(intercepted[0] as Message);
    const ready = cluster.node(3).ready();
    expect(ready.snapshot).toMatchObject({ index: 6, term: 1 });
    expect(new TextDecoder().decode(ready.snapshot?.data)).toBe('state at 6');
    expect(ready.committedEntries).toEqual([]); // the snapshot is applied first
    expect(ready.hardState?.commit).toBe(6);
    expect(ready.messages).toEqual([expect.objectContaining({ type: 'InstallSnapshotResponse', matchIndex: 6 })]);
    cluster.complete(3, ready);
    cluster.dropIf = () => false;
    cluster.stabilize();

    cluster.propose(1, 'f');
    cluster.stabilize();
    expect(cluster.storage(3).snapshot().index).toBe(6);
    expect(cluster.node(3).status()).toMatchObject({ commit: 7, applied: 7, firstIndex: 7, lastIndex: 7 });
    expect(cluster.appliedTexts(3)).toEqual(['f']);
    expect(cluster.node(1).followerProgress(3)).toMatchObject({ state: 'replicate', match: 7 });
  });

  it('sends the snapshot again when the first one is lost', () => {
    const cluster = clusterWithCompactedLeader();
    let dropped = 0;
    cluster.dropIf = (message) => isSnapshotRequest(message) && dropped++ === 0;
    cluster.tickAll(2);
    expect(dropped).toBe(1);
    expect(cluster.node(3).commitIndex).toBe(1);
    // No answer within an election timeout: the leader probes again and resends.
    cluster.tickAll(12);
    expect(dropped).toBe(2);
    expect(cluster.node(3).commitIndex).toBe(6);
    expect(cluster.node(1).followerProgress(3)?.state).toBe('replicate');
  });

  it('restarts from the snapshot and the entries after it', () => {
    const cluster = clusterWithCompactedLeader();
    cluster.propose(1, 'f');
    cluster.stabilize();
    const restarted = cluster.start(1);
    expect(restarted.status()).toMatchObject({ term: 1, commit: 7, applied: 6, firstIndex: 7, lastIndex: 7 });
    cluster.flushReadies();
    expect(cluster.appliedTexts(1)).toEqual(['f']); // re-applied from the snapshot on
  });

  it('ignores a snapshot older than its commit index, and fast-forwards on one it already holds', () => {
    const cluster = new TestCluster([1, 2, 3]);
    cluster.elect(1);
    cluster.propose(1, 'a');
    cluster.stabilize();
    const snapshot = { index: 2, term: 1, voters: [1, 2, 3], observers: [], data: new Uint8Array(0) };
    const node = cluster.node(2);
    node.step({ type: 'InstallSnapshotRequest', term: 1, from: 1, to: 2, snapshot });
    expect(node.ready()).toMatchObject({
      snapshot: undefined,
      messages: [expect.objectContaining({ type: 'InstallSnapshotResponse', matchIndex: 2 })],
    });
  });
});
