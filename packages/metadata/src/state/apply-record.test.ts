import { describe, expect, it } from 'vitest';
import { MetadataInvariantError, applyRecord, applyRecords } from './apply-record.js';
import { configEntries, effectiveTopicConfig, liveBrokers, partitionsLedBy, partitionsOf, topicByName, usableBrokers } from './queries.js';
import {
  brokerShutdownRecord,
  configRecord,
  featureLevelRecord,
  fenceBrokerRecord,
  noOpRecord,
  partitionChangeRecord,
  partitionRecord,
  registerBrokerRecord,
  removeTopicRecord,
  topicRecord,
  unfenceBrokerRecord,
  unregisterBrokerRecord,
  type MetadataRecord,
} from './records.js';
import { EMPTY_METADATA_STATE, NO_LEADER, type MetadataState } from './state.js';

const TOPIC_ID = '6b1c2f8e-3d4a-4b5c-8d9e-0f1a2b3c4d5e';

function broker(brokerId: number, brokerEpoch: number, rack?: string): MetadataRecord {
  return registerBrokerRecord({ brokerId, incarnationId: `i-${brokerId}-${brokerEpoch}`, brokerEpoch, endpoints: [], rack, fenced: false });
}

function base(): MetadataState {
  return applyRecords(
    EMPTY_METADATA_STATE,
    [
      broker(1, 1, 'a'),
      broker(2, 1, 'b'),
      broker(3, 1),
      topicRecord('orders', TOPIC_ID),
      partitionRecord({ topicId: TOPIC_ID, partition: 0, replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1, leaderEpoch: 0, partitionEpoch: 0 }),
      partitionRecord({ topicId: TOPIC_ID, partition: 1, replicas: [2, 3, 1], isr: [2, 3, 1], leader: 2, leaderEpoch: 0, partitionEpoch: 0 }),
    ],
    1,
  );
}

describe('applyRecords', () => {
  it('changes in place only maps its own batch made: the state it started from, and one a failed batch started from, stay as they were', () => {
    const before = base();
    const partitionsBefore = [...before.topicsById.get(TOPIC_ID)!.partitions.values()];
    const after = applyRecords(
      before,
      [
        partitionChangeRecord({ topicId: TOPIC_ID, partition: 0, leader: 2, isr: [2, 3], leaderEpoch: 1, partitionEpoch: 1 }),
        partitionChangeRecord({ topicId: TOPIC_ID, partition: 1, leader: 3, isr: [3, 1], leaderEpoch: 1, partitionEpoch: 1 }),
        partitionChangeRecord({ topicId: TOPIC_ID, partition: 0, leader: 3, isr: [3], leaderEpoch: 2, partitionEpoch: 2 }),
      ],
      2,
    );
    expect([...before.topicsById.get(TOPIC_ID)!.partitions.values()]).toEqual(partitionsBefore);
    expect([...after.topicsById.get(TOPIC_ID)!.partitions.values()].map((p) => [p.leader, p.isr])).toEqual([
      [3, [3]],
      [3, [3, 1]],
    ]);
    const bad = [
      partitionChangeRecord({ topicId: TOPIC_ID, partition: 0, leader: 1, isr: [1], leaderEpoch: 3, partitionEpoch: 3 }),
      partitionChangeRecord({ topicId: TOPIC_ID, partition: 7, leaderEpoch: 1, partitionEpoch: 1 }),
    ];
    expect(() => applyRecords(after, bad, 3)).toThrow(MetadataInvariantError);
    expect(after.topicsById.get(TOPIC_ID)!.partitions.get(0)!.leader).toBe(3);
  });
});

describe('applyRecord', () => {
  it('builds brokers, topics and partitions, sharing what a record does not touch', () => {
    const state = base();
    expect(state.offset).toBe(1);
    expect(liveBrokers(state).map((b) => [b.brokerId, b.rack])).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, undefined],
    ]);
    const next = applyRecord(
      state,
      partitionChangeRecord({ topicId: TOPIC_ID, partition: 0, leader: 2, isr: [2, 3], leaderEpoch: 1, partitionEpoch: 1 }),
      2,
    );
    const [p0, p1] = partitionsOf(topicByName(next, 'orders')!);
    expect(p0).toMatchObject({ leader: 2, isr: [2, 3], replicas: [1, 2, 3], leaderEpoch: 1, partitionEpoch: 1 });
    expect(p1).toBe(partitionsOf(topicByName(state, 'orders')!)[1]);
    expect(next.brokers).toBe(state.brokers);
    expect(partitionsOf(topicByName(state, 'orders')!)[0]!.leader).toBe(1);
    expect(partitionsLedBy(next, 2).map((p) => p.partition)).toEqual([0, 1]);
  });

  it('tracks fencing, controlled shutdown and unregistration', () => {
    let state = applyRecords(base(), [fenceBrokerRecord(3, 1), brokerShutdownRecord(2, 1)], 2);
    expect(liveBrokers(state).map((b) => b.brokerId)).toEqual([1, 2]);
    expect(usableBrokers(state).map((b) => b.brokerId)).toEqual([1]);
    state = applyRecords(state, [unfenceBrokerRecord(3, 1), unregisterBrokerRecord(2, 1)], 3);
    expect(usableBrokers(state).map((b) => b.brokerId)).toEqual([1, 3]);
    expect(state.brokers.has(2)).toBe(false);
    // A new registration replaces the old one, and ends its controlled shutdown.
    state = applyRecords(state, [brokerShutdownRecord(1, 1), broker(1, 4)], 4);
    expect(state.brokers.get(1)).toMatchObject({ brokerEpoch: 4, inControlledShutdown: false });
  });

  it('sets and deletes configs, and drops a topic\'s configs with the topic', () => {
    let state = applyRecords(
      base(),
      [configRecord('topic', 'orders', 'retention.ms', '10'), configRecord('cluster', '', 'retention.ms', '20'), configRecord('topic', 'orders', 'segment.ms', '')],
      2,
    );
    expect(effectiveTopicConfig(state, 'orders', 'retention.ms')).toBe('10');
    expect(configEntries(state, { kind: 'topic', name: 'orders' }).get('segment.ms')).toBe('');
    state = applyRecord(state, configRecord('topic', 'orders', 'retention.ms', undefined), 3);
    expect(effectiveTopicConfig(state, 'orders', 'retention.ms')).toBe('20');
    state = applyRecord(state, removeTopicRecord(TOPIC_ID), 4);
    expect(topicByName(state, 'orders')).toBeUndefined();
    expect(state.configs.size).toBe(1);
  });

  it('records features and accepts no-ops', () => {
    const state = applyRecords(base(), [featureLevelRecord('metadata.version', 3), noOpRecord()], 5);
    expect(state.features.get('metadata.version')).toBe(3);
    expect(state.offset).toBe(5);
  });

  it.each<[string, MetadataRecord]>([
    ['a change to an unknown partition', partitionChangeRecord({ topicId: TOPIC_ID, partition: 7, leaderEpoch: 1, partitionEpoch: 1 })],
    ['a change that does not advance the partition epoch', partitionChangeRecord({ topicId: TOPIC_ID, partition: 0, leaderEpoch: 0, partitionEpoch: 0 })],
    ['a leader outside the ISR', partitionChangeRecord({ topicId: TOPIC_ID, partition: 0, isr: [2, 3], leaderEpoch: 0, partitionEpoch: 1 })],
    ['an empty ISR', partitionChangeRecord({ topicId: TOPIC_ID, partition: 0, leader: NO_LEADER, isr: [], leaderEpoch: 1, partitionEpoch: 1 })],
    ['a stale fence', fenceBrokerRecord(1, 0)],
    ['a fence of an unknown broker', fenceBrokerRecord(9, 1)],
    ['a duplicate topic name', topicRecord('orders', '00000000-0000-4000-8000-000000000000')],
    ['a partition out of order', partitionRecord({ topicId: TOPIC_ID, partition: 5, replicas: [1], isr: [1], leader: 1, leaderEpoch: 0, partitionEpoch: 0 })],
    ['a config of an unknown topic', configRecord('topic', 'nope', 'retention.ms', '1')],
    ['a record without a type', {}],
  ])('refuses %s as a broken invariant', (_, record) => {
    expect(() => applyRecord(base(), record, 2)).toThrow(MetadataInvariantError);
  });

  it('refuses to go back in offsets', () => {
    expect(() => applyRecord(base(), noOpRecord(), 0)).toThrow(MetadataInvariantError);
  });
});
