import { ApiKeys, ZERO_UUID, type DeleteTopicsRequest, type DeleteTopicsResponse } from '@quill/kafka-protocol';
import type { DeleteTopicsResponse__Output } from '@quill/proto';
import { toQuillError } from '../../errors.js';
import type { KafkaHandler } from '../handler-registry.js';
import { kafkaErrorCode, kafkaErrorCodeOf } from '../kafka-error-codes.js';
import type { KafkaServices } from '../kafka-services.js';
import { callController } from './controller-call.js';

/** DeleteTopics through the controller, as the gRPC DeleteTopics: by name, or from v6 by name or topic id. */
export function deleteTopicsHandler(services: KafkaServices): KafkaHandler<DeleteTopicsRequest> {
  return {
    apiKey: ApiKeys.DeleteTopics,
    handle: async (request): Promise<DeleteTopicsResponse> => {
      const { names, topicIds } = requestedTopics(request);
      const answer = await callController<DeleteTopicsResponse__Output>(services, 'DeleteTopics', { names, topicIds, timeoutMs: request.timeoutMs }, request.timeoutMs);
      return {
        throttleTimeMs: 0,
        responses: answer.topics.map((topic) => {
          const errorCode = kafkaErrorCode(topic.errorCode);
          return { name: topic.name === '' ? null : topic.name, topicId: topic.topicId === '' ? ZERO_UUID : topic.topicId, errorCode, errorMessage: errorCode === 0 ? null : topic.errorMessage };
        }),
      };
    },
    errorResponse: (error, request): DeleteTopicsResponse => {
      const errorCode = kafkaErrorCodeOf(error);
      const errorMessage = toQuillError(error).message;
      const { names, topicIds } = requestedTopics(request);
      return {
        throttleTimeMs: 0,
        responses: [...names.map((name) => ({ name, topicId: ZERO_UUID, errorCode, errorMessage })), ...topicIds.map((topicId) => ({ name: null, topicId, errorCode, errorMessage }))],
      };
    },
  };
}

/** The names and ids a request deletes: v0–5 list names, v6 topics by name or (when the name is null) by id. */
function requestedTopics(request: DeleteTopicsRequest): { names: string[]; topicIds: string[] } {
  const names = [...(request.topicNames ?? [])];
  const topicIds: string[] = [];
  for (const topic of request.topics ?? []) {
    if (topic.name !== null && topic.name !== '') names.push(topic.name);
    else topicIds.push(topic.topicId);
  }
  return { names, topicIds };
}
