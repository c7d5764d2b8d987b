import { ErrorCode } from '@quill/proto';
import { describe, expect, it } from 'vitest';
import type { MetadataCluster } from '../test-support/metadata-cluster.js';
import { clusterWith as clusterOf, partitionOfT as partition, proposeIsr as setIsr } from '../test-support/topic-fixture.js';
import { expireBrokerSession } from './broker-session.js';
import { electLeaders } from './elect-leaders.js';
import { leaderImbalances, rebalanceLeaders } from './leader-balance.js';

const clusterWith = (brokers: number, replicaLists: number[][]): MetadataCluster => clusterOf(brokers, replicaLists, { seed: 23 });

/** Broker 1 loses its session (its leaderships move away) and comes back, unfenced but out of the ISRs. */
function bounceBrokerOne(c: MetadataCluster): void {
  c.expect(expireBrokerSession(c.state, 1));
  c.heartbeat(1, {});
}

const leaders = (c: MetadataCluster, count: number): number[] => Array.from({ length: count }, (_, i) => partition(c, i).leader);

/** Broker 1 preferred for four partitions, back in every ISR after a bounce, leading the first `leading` again. */
function brokerOneLeading(leading: number): MetadataCluster {
  const c = clusterWith(3, [[1, 2, 3], [1, 3, 2], [1, 2, 3], [1, 3, 2], [2, 3, 1], [3, 1, 2]]);
  bounceBrokerOne(c);
  for (let i = 0; i < 6; i++) setIsr(c, [1, 2, 3], i);
  const back = Array.from({ length: leading }, (_, i) => ({ topic: 't', partition: i }));
  if (back.length > 0) c.expect(electLeaders(c.state, 'preferred', back));
  return c;
}

describe('leader imbalance', () => {
  it('counts, per preferred broker, the partitions another broker leads', () => {
    const c = brokerOneLeading(1);
    expect(leaderImbalances(c.state)).toEqual([
      { brokerId: 1, preferredFor: 4, ledElsewhere: [1, 2, 3].map((p) => ({ topic: 't', partition: p })) },
      { brokerId: 2, preferredFor: 1, ledElsewhere: [] },
      { brokerId: 3, preferredFor: 1, ledElsewhere: [] },
    ]);
  });

  it('moves nothing while no broker is above the percentage, and everything of a broker above it', () => {
    // One of broker 1's four partitions is led elsewhere: 25%.
    const c = brokerOneLeading(3);
    const atThreshold = rebalanceLeaders(c.state, 25);
    expect(atThreshold.records).toEqual([]);
    expect(atThreshold.result).toEqual([]);
    expect(leaders(c, 4)).toEqual([1, 1, 1, 3]);

    const before = partition(c, 3);
    expect(c.expect(rebalanceLeaders(c.state, 24))).toEqual([{ topic: 't', partition: 3, errorCode: ErrorCode.NONE }]);
    expect(leaders(c, 6)).toEqual([1, 1, 1, 1, 2, 3]);
    expect(partition(c, 3)).toMatchObject({ leaderEpoch: before.leaderEpoch + 1, isr: before.isr });
    expect(rebalanceLeaders(c.state, 0).records).toEqual([]);
  });

  it('gives a restarted broker back all its leaderships in one entry once it is in their ISRs', () => {
    const c = brokerOneLeading(0);
    expect(leaders(c, 6)).toEqual([2, 3, 2, 3, 2, 3]);
    const decision = rebalanceLeaders(c.state, 10);
    expect(decision.records).toHaveLength(4);
    c.commit(decision);
    expect(leaders(c, 6)).toEqual([1, 1, 1, 1, 2, 3]);
  });

  it('leaves a partition whose preferred replica is out of its ISR or fenced where it is', () => {
    const c = clusterWith(3, [[1, 2, 3], [1, 3, 2]]);
    bounceBrokerOne(c);
    setIsr(c, [1, 2, 3], 0);
    // Partition 1 still waits for broker 1 to catch up.
    expect(c.expect(rebalanceLeaders(c.state, 10)).map((r) => [r.partition, r.errorCode])).toEqual([
      [0, ErrorCode.NONE],
      [1, ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE],
    ]);
    expect(leaders(c, 2)).toEqual([1, 3]);

    c.expect(expireBrokerSession(c.state, 1));
    const fenced = rebalanceLeaders(c.state, 10);
    expect(fenced.records).toEqual([]);
    expect(fenced.result.map((r) => r.errorCode)).toEqual([ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE]);
  });
});
