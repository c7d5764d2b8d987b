import { ApiKeys, type CreatePartitionsRequest, type CreatePartitionsResponse } from '@quill/kafka-protocol';
import type { CreatePartitionsResponse__Output } from '@quill/proto';
import { toQuillError } from '../../errors.js';
import type { KafkaHandler } from '../handler-registry.js';
import { kafkaErrorCode, kafkaErrorCodeOf } from '../kafka-error-codes.js';
import type { KafkaServices } from '../kafka-services.js';
import { callController } from './controller-call.js';

/**
 * CreatePartitions through the controller, as the gRPC CreatePartitions. Kafka lists the new
 * partitions' replicas in order; Quill numbers them, from the old count (the new count less
 * the new partitions).
 */
export function createPartitionsHandler(services: KafkaServices): KafkaHandler<CreatePartitionsRequest> {
  return {
    apiKey: ApiKeys.CreatePartitions,
    handle: async (request): Promise<CreatePartitionsResponse> => {
      const topics = request.topics.map((topic) => {
        const assignments = topic.assignments ?? [];
        const first = topic.count - assignments.length;
        return { name: topic.name, count: topic.count, assignments: assignments.map((a, i) => ({ partition: first + i, brokerIds: a.brokerIds })) };
      });
      const answer = await callController<CreatePartitionsResponse__Output>(services, 'CreatePartitions', { topics, timeoutMs: request.timeoutMs, validateOnly: request.validateOnly }, request.timeoutMs);
      return {
        throttleTimeMs: 0,
        results: answer.topics.map((topic) => {
          const errorCode = kafkaErrorCode(topic.errorCode);
          return { name: topic.name, errorCode, errorMessage: errorCode === 0 ? null : topic.errorMessage };
        }),
      };
    },
    errorResponse: (error, request): CreatePartitionsResponse => ({
      throttleTimeMs: 0,
      results: request.topics.map((topic) => ({ name: topic.name, errorCode: kafkaErrorCodeOf(error), errorMessage: toQuillError(error).message })),
    }),
  };
}
