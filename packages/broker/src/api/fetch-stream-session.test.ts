import type { ReplicaFetchRequest__Output } from '@quill/proto';
import { describe, expect, it } from 'vitest';
import type { Partition } from '../replication/partition.js';
import { FetchStreamSession, sessionFullVisitIntervalMs } from './fetch-stream-session.js';

const answer = (partition: number, highWatermark: number, extra: Record<string, unknown> = {}) => ({
  partition,
  errorCode: 'NONE' as const,
  highWatermark,
  logStartOffset: 0,
  records: Buffer.alloc(0),
  ...extra,
});
const response = (...partitions: ReturnType<typeof answer>[]) => ({ topics: [{ topicId: 't', partitions }] });
const named = (r: ReturnType<FetchStreamSession['trim']>) => (r.topics ?? []).flatMap((t) => (t.partitions ?? []).map((p) => p.partition));

const fetch = (partition: number, fetchOffset = 0) => ({
  partition,
  currentLeaderEpoch: 1,
  fetchOffset,
  lastFetchedEpoch: 1,
  logStartOffset: 0,
  flushedOffset: fetchOffset,
  partitionMaxBytes: 1 << 20,
});
const request = (incremental: boolean, topics: Array<[string, ReturnType<typeof fetch>[]]>): ReplicaFetchRequest__Output =>
  ({ replicaId: 2, brokerEpoch: 1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, incremental, topics: topics.map(([topicId, partitions]) => ({ topicId, partitions })) }) as ReplicaFetchRequest__Output;
const noReplicas = { resolve: () => undefined, hosts: () => false, onChange: () => () => undefined };
const sessionOf = (...partitions: number[]) => {
  const session = new FetchStreamSession(noReplicas);
  session.update(request(false, [['t', partitions.map((p) => fetch(p))]]));
  return session;
};
/** A session over hosted leader replicas (found by partition index), with the change listeners it registers. */
const sessionOver = (replicaOf: (index: number) => object) => {
  const listeners = new Map<string, () => void>();
  const session = new FetchStreamSession({
    resolve: (_topicId, index) => replicaOf(index) as unknown as Partition,
    hosts: () => true,
    onChange: (key, listener) => {
      listeners.set(key, listener);
      return () => listeners.delete(key);
    },
  });
  return { session, listeners };
};
const keysOf = (session: FetchStreamSession) => [...session.takeVisits(Number.MAX_SAFE_INTEGER, 1000).entries].map((e) => [e.key, Number(e.fetch.fetchOffset)]);

describe('FetchStreamSession', () => {
  it('keeps the partitions of a full request and updates only those an incremental request names', () => {
    const session = new FetchStreamSession(noReplicas);
    const first = session.update(request(false, [['a', [fetch(0), fetch(1)]], ['b', [fetch(0)]]]));
    expect([...first].map((e) => e.key)).toEqual(['a/0', 'a/1', 'b/0']);
    const second = session.update(request(true, [['a', [fetch(1, 7)]]]));
    expect([...second].map((e) => e.key)).toEqual(['a/1']);
    expect(keysOf(session)).toEqual([
      ['a/0', 0],
      ['a/1', 7],
      ['b/0', 0],
    ]);
    // A full request replaces the set.
    session.update(request(false, [['b', [fetch(0, 3)]]]));
    expect(keysOf(session)).toEqual([['b/0', 3]]);
  });

  it('answers every partition once, then only those with records, a new high watermark or log start', () => {
    const session = sessionOf(0, 1, 2);
    expect(named(session.trim(response(answer(0, 5), answer(1, 5), answer(2, 5))))).toEqual([0, 1, 2]);
    expect(named(session.trim(response(answer(0, 5), answer(1, 5), answer(2, 5))))).toEqual([]);
    expect(session.trim(response(answer(0, 5))).topics).toEqual([]);
    expect(named(session.trim(response(answer(0, 5, { records: Buffer.from('x') }), answer(1, 6), answer(2, 5, { logStartOffset: 3 }))))).toEqual([0, 1, 2]);
    expect(named(session.trim(response(answer(0, 5), answer(1, 6), answer(2, 5, { logStartOffset: 3 }))))).toEqual([]);
  });

  it('remembers what it told across incremental requests, and across a full one for partitions it keeps', () => {
    const session = sessionOf(0, 1);
    session.trim(response(answer(0, 5), answer(1, 5)));
    session.update(request(true, [['t', [fetch(0, 5)]]]));
    expect(named(session.trim(response(answer(0, 5), answer(1, 5))))).toEqual([]);
    session.update(request(false, [['t', [fetch(1, 5)]]]));
    expect(named(session.trim(response(answer(1, 5))))).toEqual([]);
  });

  it('always answers a divergence, an error once until it changes, and re-sends the state after either', () => {
    const session = sessionOf(0, 1);
    session.trim(response(answer(0, 5), answer(1, 5)));
    const notLeader = { errorCode: 'NOT_LEADER_OR_FOLLOWER' };
    const divergence = { divergingEpoch: { epoch: 1, endOffset: 3 } };
    expect(named(session.trim(response(answer(0, 5, divergence), answer(1, 5, notLeader))))).toEqual([0, 1]);
    expect(named(session.trim(response(answer(0, 5, divergence), answer(1, 5, notLeader))))).toEqual([0]);
    expect(named(session.trim(response(answer(1, 5, { errorCode: 'FENCED_LEADER_EPOCH' }))))).toEqual([1]);
    // Told afresh after a divergence or an error.
    expect(named(session.trim(response(answer(0, 5), answer(1, 5))))).toEqual([0, 1]);
    expect(named(session.trim(response(answer(1, 5, notLeader))))).toEqual([1]);
  });

  it('keeps partitions of different topics apart and passes a whole-fetch error through', () => {
    const session = new FetchStreamSession(noReplicas);
    session.update(request(false, [['a', [fetch(0)]], ['b', [fetch(0)]]]));
    session.trim({ topics: [{ topicId: 'a', partitions: [answer(0, 5)] }] });
    expect(named(session.trim({ topics: [{ topicId: 'b', partitions: [answer(0, 5)] }] }))).toEqual([0]);
    const refused = { error: { code: 'STALE_BROKER_EPOCH' as const, message: 'old' } };
    expect(session.trim(refused)).toBe(refused);
  });

  it('looks at the named and the changed partitions, at all of them once per interval, and wakes a waiting fetch for records only', async () => {
    // Leader replicas of t/0..t/3, in epoch 1, each with a log end and a high watermark to change.
    const replicas = [0, 1, 2, 3].map((i) => ({ key: `t-${i}`, isLeader: true, leaderEpoch: 1, highWatermark: 0, log: { logEndOffset: 0, logStartOffset: 0 } }));
    const { session, listeners } = sessionOver((index) => replicas[index]!);
    const visited = (nowMs: number) => [...session.takeVisits(nowMs, 1000).entries].map((e) => (session.leaderReplica(e), e.key));
    session.update(request(false, [['t', [fetch(0), fetch(1), fetch(2), fetch(3)]]]));
    expect(visited(0)).toEqual(['t/0', 't/1', 't/2', 't/3']);
    expect(listeners.size).toBe(4);
    expect(visited(1)).toEqual([]);
    session.update(request(true, [['t', [fetch(2, 0)]]]));
    replicas[1]!.highWatermark = 5;
    listeners.get('t-1')!();
    expect(visited(2)).toEqual(['t/2', 't/1']);
    expect(visited(1000)).toEqual(['t/0', 't/1', 't/2', 't/3']);

    // A high watermark alone does not end a wait; records do.
    let woken = false;
    const waiting = session.waitForData(60_000).then(() => (woken = true));
    replicas[3]!.highWatermark = 9;
    listeners.get('t-3')!();
    await Promise.resolve();
    expect(woken).toBe(false);
    replicas[0]!.log.logEndOffset = 4;
    listeners.get('t-0')!();
    await waiting;
    expect(woken).toBe(true);
    session.close();
    expect(listeners.size).toBe(0);
  });

  it('keeps a partition the follower paused (max bytes 0) in the session, and its appends do not end a wait', async () => {
    const replica = { key: 't-0', isLeader: true, leaderEpoch: 1, highWatermark: 0, log: { logEndOffset: 0, logStartOffset: 0 } };
    const { session, listeners } = sessionOver(() => replica);
    const visit = () => [...session.takeVisits(0, 1000).entries].forEach((e) => session.leaderReplica(e));
    session.update(request(false, [['t', [{ ...fetch(0), partitionMaxBytes: 0 }]]]));
    visit();
    let woken = false;
    const waiting = session.waitForData(60_000).then(() => (woken = true));
    replica.log.logEndOffset = 4;
    listeners.get('t-0')!();
    await Promise.resolve();
    expect(woken).toBe(false);
    // Resumed: the incremental request that names it with a byte limit finds its records at once.
    session.update(request(true, [['t', [fetch(0)]]]));
    await session.waitForData(60_000);
    session.close();
    await waiting;
  });

  it('ends a wait when a partition\'s log start moved past what the follower was told (DeleteRecords waits for it)', async () => {
    const replica = { key: 't-0', isLeader: true, leaderEpoch: 1, highWatermark: 6, log: { logEndOffset: 6, logStartOffset: 0 } };
    const { session, listeners } = sessionOver(() => replica);
    session.update(request(false, [['t', [fetch(0, 6)]]]));
    [...session.takeVisits(0, 1000).entries].forEach((e) => session.leaderReplica(e));
    expect(named(session.trim(response(answer(0, 6))))).toEqual([0]);
    let woken = false;
    const waiting = session.waitForData(60_000).then(() => (woken = true));
    replica.log.logStartOffset = 4;
    listeners.get('t-0')!();
    await Promise.resolve();
    expect(woken).toBe(true);
    session.close();
    await waiting;
  });

  it('visits every partition often enough for the ISR: at most once a second, four times per replica.lag.time.max.ms', () => {
    expect(sessionFullVisitIntervalMs(30_000)).toBe(1000);
    expect(sessionFullVisitIntervalMs(2_000)).toBe(500);
    expect(sessionFullVisitIntervalMs(1)).toBe(1);
  });
});
