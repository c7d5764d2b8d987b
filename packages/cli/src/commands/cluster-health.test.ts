import { describe, expect, it } from 'vitest';
import { clusterHealth, formatHealth, type HealthInput } from './cluster-health.js';

const healthy: HealthInput = {
  quorum: { leaderId: 101 },
  brokers: [
    { id: 1, fenced: false, inControlledShutdown: false },
    { id: 2, fenced: false, inControlledShutdown: false },
  ],
  topics: [{ topic: 'orders', partitions: [{ partition: 0, leader: 1, replicas: [1, 2], isr: [1, 2] }] }],
};

describe('cluster health', () => {
  it('is healthy with a quorum leader, unfenced brokers and fully replicated, led partitions', () => {
    const report = clusterHealth(healthy);
    expect(report).toEqual({ healthy: true, quorumLeader: 101, problems: [] });
    expect(formatHealth(report).split('\n')).toHaveLength(1);
  });

  it('names each problem once: no quorum leader, fenced brokers, leaderless and under-replicated partitions', () => {
    const report = clusterHealth({
      quorum: { error: 'REQUEST_TIMED_OUT: no answer' },
      brokers: [
        { id: 2, fenced: true, inControlledShutdown: true },
        { id: 1, fenced: false, inControlledShutdown: false },
      ],
      topics: [
        {
          topic: 'orders',
          partitions: [
            { partition: 1, leader: 1, replicas: [1, 2], isr: [1] },
            { partition: 0, leader: -1, replicas: [2], isr: [] },
          ],
        },
        { topic: 'audit', partitions: [{ partition: 0, leader: 1, replicas: [1, 2], isr: [1, 2] }] },
      ],
    });
    expect(report.healthy).toBe(false);
    expect(report.quorumLeader).toBeNull();
    expect(report.problems.map((p) => [p.kind, p.broker ?? p.topic, p.partition])).toEqual([
      ['no-quorum-leader', undefined, undefined],
      ['fenced-broker', 2, undefined],
      ['leaderless-partition', 'orders', 0],
      ['under-replicated-partition', 'orders', 1],
    ]);
    expect(formatHealth(report).split('\n')).toEqual([
      'unhealthy: 4 problems',
      'controller quorum has no leader: REQUEST_TIMED_OUT: no answer',
      'broker 2 is fenced (in controlled shutdown)',
      'partition orders-0 has no leader (replicas 2)',
      'partition orders-1 is under-replicated: isr 1 of replicas 1,2',
    ]);
  });

  it('reports a quorum that answers without a leader', () => {
    expect(clusterHealth({ ...healthy, quorum: { leaderId: -1 } }).problems).toEqual([
      { kind: 'no-quorum-leader', message: 'controller quorum has no leader: no leader elected' },
    ]);
  });
});
