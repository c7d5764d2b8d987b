import { EMPTY_METADATA_STATE, applyRecords, partitionRecord, registerBrokerRecord, topicRecord, unfenceBrokerRecord, type MetadataState } from '@quill/metadata';
import pino from 'pino';
import { vi } from 'vitest';
import type { BrokerServiceContext } from '../../api/broker/context.js';
import { KAFKA_LISTENER_NAME } from '../listener-name.js';

export const TOPIC_ID = '0b6f5a52-3f1e-4c8e-9d3a-1f2e3d4c5b6a';

/**
 * Brokers 1 and 2 live with a Kafka endpoint, broker 3 live with gRPC only, broker 4 fenced;
 * topic 'orders' with two partitions (partition 1 leaderless).
 */
export function clusterState(): MetadataState {
  const broker = (brokerId: number, kafka: boolean) =>
    registerBrokerRecord({
      brokerId,
      incarnationId: `inc-${brokerId}`,
      brokerEpoch: 10 + brokerId,
      endpoints: [{ listenerName: 'PLAINTEXT', host: `b${brokerId}`, port: 9000 + brokerId }, ...(kafka ? [{ listenerName: KAFKA_LISTENER_NAME, host: `k${brokerId}`, port: 29000 + brokerId }] : [])],
      rack: brokerId === 1 ? 'rack-a' : undefined,
      fenced: true,
    });
  return applyRecords(EMPTY_METADATA_STATE, [
    broker(1, true),
    broker(2, true),
    broker(3, false),
    broker(4, true),
    unfenceBrokerRecord(1, 11),
    unfenceBrokerRecord(2, 12),
    unfenceBrokerRecord(3, 13),
    topicRecord('orders', TOPIC_ID),
    partitionRecord({ topicId: TOPIC_ID, partition: 0, replicas: [1, 2, 4], isr: [1, 2], leader: 1, leaderEpoch: 3, partitionEpoch: 0 }),
    partitionRecord({ topicId: TOPIC_ID, partition: 1, replicas: [4, 2], isr: [4], leader: -1, leaderEpoch: 4, partitionEpoch: 0 }),
  ], 1);
}

/** A Broker service context over `state` (null: no metadata yet) whose replicas, controller and producer ids are mocks. */
export function brokerContext(config: Partial<BrokerServiceContext['config']> = {}, state: MetadataState | null = clusterState()) {
  const produce = vi.fn(async () => ({ error: undefined, baseOffset: 42, logStartOffset: 7, logAppendTimeMs: -1 }));
  const call = vi.fn(async () => ({}));
  const nextId = vi.fn(async () => 1000);
  const ctx = {
    config: { clusterId: 'cluster-x', autoCreateTopicsEnable: false, numPartitions: 3, defaultReplicationFactor: 3, ...config },
    replicas: { state: state ?? undefined, produce },
    controller: { call },
    producerIds: { nextId },
    logger: pino({ level: 'silent' }),
  } as unknown as BrokerServiceContext;
  return { ctx, produce, call, nextId };
}
