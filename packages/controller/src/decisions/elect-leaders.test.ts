import { ErrorCode } from '@quill/proto';
import { describe, expect, it } from 'vitest';
import { NO_LEADER } from '@quill/metadata';
import type { MetadataCluster } from '../test-support/metadata-cluster.js';
import { clusterWith as clusterOf, partitionOfT as partition, proposeIsr as setIsr } from '../test-support/topic-fixture.js';
import { expireBrokerSession } from './broker-session.js';
import { electLeaders } from './elect-leaders.js';


/** Broker 1 loses its session (its leaderships move away) and comes back, unfenced but out of the ISRs. */
function bounceBrokerOne(c: MetadataCluster): void {
  c.expect(expireBrokerSession(c.state, 1));
  c.heartbeat(1, {});
}

const codes = (results: ReadonlyArray<{ errorCode: string }>): string[] => results.map((r) => r.errorCode);

const clusterWith = (brokers: number, replicaLists: number[][]): MetadataCluster => clusterOf(brokers, replicaLists, { seed: 17 });

describe('preferred leader election', () => {
  it('gives the leadership back to the preferred replica once it is in the ISR, with new leader and partition epochs', () => {
    const c = clusterWith(3, [[1, 2, 3]]);
    bounceBrokerOne(c);
    expect(partition(c)).toMatchObject({ leader: 2, isr: [2, 3], leaderEpoch: 1 });
    const outOfSync = electLeaders(c.state, 'preferred', [{ topic: 't', partition: 0 }]);
    expect(outOfSync.records).toEqual([]);
    expect(codes(outOfSync.result)).toEqual([ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE]);

    setIsr(c, [1, 2, 3]);
    const before = partition(c);
    const elected = c.expect(electLeaders(c.state, 'preferred', [{ topic: 't', partition: 0 }]));
    expect(elected).toEqual([{ topic: 't', partition: 0, errorCode: ErrorCode.NONE }]);
    expect(partition(c)).toMatchObject({
      leader: 1,
      isr: [1, 2, 3],
      leaderEpoch: before.leaderEpoch + 1,
      partitionEpoch: before.partitionEpoch + 1,
    });

    const again = electLeaders(c.state, 'preferred', [{ topic: 't', partition: 0 }]);
    expect(again.records).toEqual([]);
    expect(codes(again.result)).toEqual([ErrorCode.ELECTION_NOT_NEEDED]);
  });

  it('refuses a preferred replica that is fenced or shutting down, even in the ISR', () => {
    const c = clusterWith(3, [[1, 2, 3]]);
    c.heartbeat(1, { wantShutdown: true });
    expect(partition(c)).toMatchObject({ leader: 2, isr: [1, 2, 3] });
    expect(codes(electLeaders(c.state, 'preferred', [{ topic: 't', partition: 0 }]).result)).toEqual([ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE]);

    // Fenced as the last ISR member: it stays in the ISR, leaderless, until it is back.
    const d = clusterWith(2, [[1, 2]]);
    setIsr(d, [1]);
    d.expect(expireBrokerSession(d.state, 1));
    expect(partition(d)).toMatchObject({ leader: NO_LEADER, isr: [1] });
    expect(codes(electLeaders(d.state, 'preferred', [{ topic: 't', partition: 0 }]).result)).toEqual([ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE]);
  });

  it('answers UNKNOWN_TOPIC_OR_PARTITION per target and decides a target listed twice once', () => {
    const c = clusterWith(3, [[1, 2, 3], [2, 3, 1]]);
    bounceBrokerOne(c);
    setIsr(c, [1, 2, 3], 0);
    const decision = electLeaders(c.state, 'preferred', [
      { topic: 't', partition: 0 },
      { topic: 't', partition: 0 },
      { topic: 't', partition: 7 },
      { topic: 'nope', partition: 0 },
      { topic: 't', partition: 1 },
    ]);
    expect(decision.records).toHaveLength(1);
    expect(decision.result.map((r) => [r.topic, r.partition, r.errorCode])).toEqual([
      ['t', 0, ErrorCode.NONE],
      ['t', 7, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ['nope', 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ['t', 1, ErrorCode.ELECTION_NOT_NEEDED],
    ]);
  });

  it('over every partition, moves all that can move in one entry and leaves out those already led by their preferred replica', () => {
    const c = clusterWith(3, [[1, 2, 3], [2, 3, 1], [1, 3, 2], [1, 2, 3]]);
    bounceBrokerOne(c);
    setIsr(c, [1, 2, 3], 0);
    setIsr(c, [1, 2, 3], 2);
    // Partition 3 stays without broker 1 in its ISR; partition 1 never moved.
    const decision = electLeaders(c.state, 'preferred', undefined);
    expect(decision.records).toHaveLength(2);
    expect(decision.result.map((r) => [r.partition, r.errorCode])).toEqual([
      [0, ErrorCode.NONE],
      [2, ErrorCode.NONE],
      [3, ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE],
    ]);
    c.commit(decision);
    expect([0, 1, 2, 3].map((i) => partition(c, i).leader)).toEqual([1, 2, 1, 2]);
    expect(electLeaders(c.state, 'preferred', undefined).result.map((r) => r.partition)).toEqual([3]);
  });
});

describe('unclean leader election', () => {
  it('is not needed where a live leader serves', () => {
    const c = clusterWith(3, [[1, 2, 3]]);
    expect(codes(electLeaders(c.state, 'unclean', [{ topic: 't', partition: 0 }]).result)).toEqual([ErrorCode.ELECTION_NOT_NEEDED]);
  });

  it('elects a live out-of-sync replica of a leaderless partition, as its only ISR member', () => {
    const c = clusterWith(2, [[1, 2]]);
    setIsr(c, [1]);
    c.expect(expireBrokerSession(c.state, 1));
    expect(partition(c)).toMatchObject({ leader: NO_LEADER, isr: [1] });
    const before = partition(c);
    expect(c.expect(electLeaders(c.state, 'unclean', [{ topic: 't', partition: 0 }]))).toEqual([{ topic: 't', partition: 0, errorCode: ErrorCode.NONE }]);
    expect(partition(c)).toMatchObject({ leader: 2, isr: [2], leaderEpoch: before.leaderEpoch + 1, partitionEpoch: before.partitionEpoch + 1 });
  });

  it('answers ELIGIBLE_LEADERS_NOT_AVAILABLE when no replica may lead', () => {
    const c = clusterWith(2, [[1, 2]]);
    c.expect(expireBrokerSession(c.state, 2));
    c.expect(expireBrokerSession(c.state, 1));
    expect(partition(c).leader).toBe(NO_LEADER);
    const decision = electLeaders(c.state, 'unclean', [{ topic: 't', partition: 0 }]);
    expect(decision.records).toEqual([]);
    expect(codes(decision.result)).toEqual([ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE]);
  });
});
