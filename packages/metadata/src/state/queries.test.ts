import { describe, expect, it } from 'vitest';
import { applyRecords } from './apply-record.js';
import { brokerEndpoint, isLiveBroker, liveBrokerEndpoint, liveBrokers, offlineReplicas, partitionOf } from './queries.js';
import { brokerShutdownRecord, fenceBrokerRecord, partitionRecord, registerBrokerRecord, topicRecord } from './records.js';
import { EMPTY_METADATA_STATE, type MetadataState } from './state.js';

const TOPIC_ID = '0d9f6c1e-8a2b-4c3d-9e4f-5a6b7c8d9e0f';

/** Broker 1 serving, 2 fenced, 3 in controlled shutdown; partition 0 on all three plus an unknown 9. */
function cluster(): MetadataState {
  const register = (brokerId: number) =>
    registerBrokerRecord({
      brokerId,
      incarnationId: `i-${brokerId}`,
      brokerEpoch: 10 + brokerId,
      endpoints: [
        { listenerName: 'PLAINTEXT', host: `b${brokerId}`, port: 9090 + brokerId },
        { listenerName: 'INTERNAL', host: `i${brokerId}`, port: 9190 + brokerId },
      ],
      rack: undefined,
      fenced: false,
    });
  return applyRecords(
    EMPTY_METADATA_STATE,
    [
      register(1),
      register(2),
      register(3),
      fenceBrokerRecord(2, 12),
      brokerShutdownRecord(3, 13),
      topicRecord('orders', TOPIC_ID),
      partitionRecord({ topicId: TOPIC_ID, partition: 0, replicas: [1, 2, 3, 9], isr: [1, 3], leader: 1, leaderEpoch: 0, partitionEpoch: 0 }),
    ],
    1,
  );
}

describe('broker queries', () => {
  it('takes registered, unfenced brokers for live, controlled shutdown included', () => {
    const state = cluster();
    expect([1, 2, 3, 9].map((id) => isLiveBroker(state, id))).toEqual([true, false, true, false]);
    expect(liveBrokers(state).map((b) => b.brokerId)).toEqual([1, 3]);
  });

  it("reaches a broker at its first listener, and a live one's only while it is live", () => {
    const state = cluster();
    expect(brokerEndpoint(state, 2)).toEqual({ listenerName: 'PLAINTEXT', host: 'b2', port: 9092 });
    expect(brokerEndpoint(state, 9)).toBeUndefined();
    expect(liveBrokerEndpoint(state, 1)).toEqual({ listenerName: 'PLAINTEXT', host: 'b1', port: 9091 });
    expect(liveBrokerEndpoint(state, 2)).toBeUndefined();
    expect(liveBrokerEndpoint(state, -1)).toBeUndefined();
  });

  it('lists the replicas on brokers that are not live', () => {
    const state = cluster();
    expect(offlineReplicas(state, partitionOf(state, TOPIC_ID, 0)!)).toEqual([2, 9]);
  });
});
