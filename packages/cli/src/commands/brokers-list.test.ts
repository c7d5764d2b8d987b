import type { BrokerState, TopicDescription } from '@quill/client';
import { describe, expect, it } from 'vitest';
import { brokerRows, formatBrokers } from './brokers-list.js';

const broker = (nodeId: number, state: BrokerState['state'], rack: string | null = null): BrokerState => ({
  nodeId,
  state,
  fenced: state === 'fenced',
  inControlledShutdown: state === 'shutting down',
  epoch: 10 + nodeId,
  rack,
  endpoints: [
    { listenerName: 'PLAINTEXT', host: '127.0.0.1', port: 9091 + nodeId },
    ...(nodeId === 1 ? [{ listenerName: 'KAFKA', host: '127.0.0.1', port: 9111 }] : []),
  ],
});

const partition = (partitionId: number, leader: number, replicas: number[]) => ({
  partitionId,
  leader,
  leaderEpoch: 0,
  replicas,
  isr: replicas,
  offlineReplicas: [],
  partitionErrorCode: 'NONE',
});

describe('brokers list', () => {
  it('counts the replicas each broker hosts and the partitions it leads, by broker id', () => {
    const topics = [
      { name: 'a', partitions: [partition(0, 1, [1, 2]), partition(1, 2, [2, 3])] },
      { name: 'b', partitions: [partition(0, -1, [3, 1])] },
    ] as TopicDescription[];
    const rows = brokerRows([broker(3, 'fenced'), broker(1, 'running', 'r1'), broker(2, 'shutting down'), broker(4, 'running')], topics);
    expect(rows.map((r) => [r.id, r.state, r.rack, r.endpoint, r.kafkaEndpoint, r.partitions, r.leaders])).toEqual([
      [1, 'running', 'r1', '127.0.0.1:9092', '127.0.0.1:9111', 2, 1],
      [2, 'shutting down', null, '127.0.0.1:9093', null, 2, 1],
      [3, 'fenced', null, '127.0.0.1:9094', null, 2, 0],
      [4, 'running', null, '127.0.0.1:9095', null, 0, 0],
    ]);
  });

  it('prints an aligned table', () => {
    const text = formatBrokers(brokerRows([broker(1, 'running', 'r1'), broker(12, 'fenced')], []));
    expect(text.split('\n')).toEqual([
      'ID  STATE    RACK  ENDPOINT        KAFKA           PARTITIONS  LEADERS',
      '1   running  r1    127.0.0.1:9092  127.0.0.1:9111  0           0',
      '12  fenced   -     127.0.0.1:9103  -               0           0',
    ]);
    expect(formatBrokers([])).toBe('no broker registered');
  });
});
