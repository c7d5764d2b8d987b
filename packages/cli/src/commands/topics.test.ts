import { describe, expect, it } from 'vitest';
import { findTopic } from '../client-options.js';
import { describeTopic, filterPartitions, formatDescription, parseConfigs } from './topics.js';

const metadata = [
  {
    name: 'orders',
    partitions: [
      { partitionId: 0, leader: 1, leaderEpoch: 3, replicas: [1, 2, 3], isr: [1, 2, 3], offlineReplicas: [], partitionErrorCode: 'NONE' as const },
      { partitionId: 1, leader: -1, leaderEpoch: 12, replicas: [2, 3, 1], isr: [2], offlineReplicas: [3, 1], partitionErrorCode: 'LEADER_NOT_AVAILABLE' as const },
    ],
  },
];

describe('topics describe', () => {
  it('--json gives exactly topic and partition, leader, leaderEpoch, replicas, isr', () => {
    expect(JSON.stringify(describeTopic(findTopic(metadata, 'orders')))).toBe(
      '{"topic":"orders","partitions":[' +
        '{"partition":0,"leader":1,"leaderEpoch":3,"replicas":[1,2,3],"isr":[1,2,3]},' +
        '{"partition":1,"leader":-1,"leaderEpoch":12,"replicas":[2,3,1],"isr":[2]}]}',
    );
  });

  it('prints a header and an aligned table, "none" for a missing leader', () => {
    expect(formatDescription(describeTopic(findTopic(metadata, 'orders')))).toBe(
      [
        'Topic: orders  Partitions: 2  Replication factor: 3',
        'PARTITION  LEADER  EPOCH  REPLICAS  ISR',
        '0          1       3      1,2,3     1,2,3',
        '1          none    12     2,3,1     2',
      ].join('\n'),
    );
  });

  it('filters under-replicated, unavailable and at-min-ISR partitions', () => {
    const description = describeTopic(findTopic(metadata, 'orders'));
    const ids = (underReplicated: boolean, unavailable: boolean): number[] => filterPartitions(description, { underReplicated, unavailable }).partitions.map((p) => p.partition);
    expect(ids(false, false)).toEqual([0, 1]);
    expect(ids(true, false)).toEqual([1]);
    expect(ids(false, true)).toEqual([1]);
    expect(filterPartitions(description, { underReplicated: false, unavailable: false, minIsr: 1 }).partitions.map((p) => p.partition)).toEqual([1]);
    expect(filterPartitions(description, { underReplicated: false, unavailable: false, minIsr: 3 }).partitions.map((p) => p.partition)).toEqual([0]);
    const healthyOnly = { topic: 'orders', partitions: description.partitions.slice(0, 1) };
    expect(filterPartitions(healthyOnly, { underReplicated: true, unavailable: true }).partitions).toEqual([]);
  });

  it('reports a missing topic', () => {
    expect(() => findTopic(metadata, 'order')).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_TOPIC_OR_PARTITION', message: "Topic 'order' does not exist." }),
    );
  });
});

describe('--topic-config', () => {
  it('splits name=value at the first =', () => {
    expect(parseConfigs(['retention.ms=60000', 'x= a=b '])).toEqual([
      { name: 'retention.ms', value: '60000' },
      { name: 'x', value: ' a=b ' },
    ]);
  });

  it('refuses entries without a name, and a name given twice', () => {
    expect(() => parseConfigs(['retention.ms'])).toThrow("--topic-config must be name=value, got 'retention.ms'.");
    expect(() => parseConfigs(['=1'])).toThrow("--topic-config must be name=value, got '=1'.");
    expect(() => parseConfigs(['a=1', 'a=2'])).toThrow('--topic-config a is given more than once.');
  });
});
