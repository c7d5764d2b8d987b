import { ApiKeys, type OffsetForLeaderEpochRequest, type OffsetForLeaderEpochResponse } from '@quill/kafka-protocol';
import { topicByName } from '@quill/metadata';
import { brokerError } from '../../errors.js';
import type { BrokerServiceContext } from '../../api/broker/context.js';
import type { KafkaHandler } from '../handler-registry.js';
import { kafkaErrorCodeOf } from '../kafka-error-codes.js';

/**
 * OffsetForLeaderEpoch over the Kafka listener: where the leader's log for an epoch ends, the same
 * lookup the Replica service answers followers with (by topic name here, as Kafka clients ask), so
 * a consumer can detect a truncated log after a leader change.
 */
export function offsetForLeaderEpochKafkaHandler(ctx: BrokerServiceContext): KafkaHandler<OffsetForLeaderEpochRequest> {
  const replicas = ctx.replicas;
  return {
    apiKey: ApiKeys.OffsetForLeaderEpoch,
    handle: async (request): Promise<OffsetForLeaderEpochResponse> => ({
      throttleTimeMs: 0,
      topics: request.topics.map((topic) => ({
        topic: topic.topic,
        partitions: topic.partitions.map((p) => {
          try {
            const state = replicas.state;
            const known = state === undefined ? undefined : topicByName(state, topic.topic);
            if (known === undefined) throw brokerError('UNKNOWN_TOPIC_OR_PARTITION', `Topic-partition ${topic.topic}-${p.partition} does not exist.`);
            const end = replicas.endOffsetForEpoch(known.topicId, p.partition, p.currentLeaderEpoch ?? -1, p.leaderEpoch);
            return { errorCode: 0, partition: p.partition, leaderEpoch: end.epoch, endOffset: BigInt(end.endOffset) };
          } catch (error) {
            return { errorCode: kafkaErrorCodeOf(error), partition: p.partition, leaderEpoch: -1, endOffset: -1n };
          }
        }),
      })),
    }),
    errorResponse: (error, request): OffsetForLeaderEpochResponse => ({
      throttleTimeMs: 0,
      topics: request.topics.map((topic) => ({
        topic: topic.topic,
        partitions: topic.partitions.map((p) => ({ errorCode: kafkaErrorCodeOf(error), partition: p.partition, leaderEpoch: -1, endOffset: -1n })),
      })),
    }),
  };
}
