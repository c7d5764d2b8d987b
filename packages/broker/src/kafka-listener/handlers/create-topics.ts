import { ApiKeys, ZERO_UUID, type CreateTopicsRequest, type CreateTopicsResponse } from '@quill/kafka-protocol';
import type { CreateTopicsResponse__Output, DescribeConfigsResponse__Output, DescribeConfigsResult__Output } from '@quill/proto';
import { toQuillError } from '../../errors.js';
import type { KafkaHandler } from '../handler-registry.js';
import { kafkaErrorCode, kafkaErrorCodeOf } from '../kafka-error-codes.js';
import type { KafkaServices } from '../kafka-services.js';
import { callController } from './controller-call.js';
import { kafkaConfigSource } from './config-resources.js';

type KafkaTopicResult = CreateTopicsResponse['topics'][number];
type KafkaConfigResult = NonNullable<KafkaTopicResult['configs']>[number];

/** The first CreateTopics version whose answer carries each topic's configs. */
const CONFIGS_IN_ANSWER_VERSION = 5;

/**
 * CreateTopics through the controller, as the gRPC CreateTopics (the controller waits up to
 * timeoutMs for leaders). From v5 the answer lists each created topic's configs, read back from
 * the controller as DescribeConfigs answers them.
 */
export function createTopicsHandler(services: KafkaServices): KafkaHandler<CreateTopicsRequest> {
  return {
    apiKey: ApiKeys.CreateTopics,
    handle: async (request, context): Promise<CreateTopicsResponse> => {
      const validateOnly = request.validateOnly ?? false;
      const answer = await callController<CreateTopicsResponse__Output>(
        services,
        'CreateTopics',
        {
          topics: request.topics.map((topic) => ({
            name: topic.name,
            numPartitions: topic.numPartitions,
            replicationFactor: topic.replicationFactor,
            assignments: topic.assignments.map((a) => ({ partition: a.partitionIndex, brokerIds: a.brokerIds })),
            configs: Object.fromEntries(topic.configs.flatMap((c) => (c.value === null ? [] : [[c.name, c.value]]))),
          })),
          timeoutMs: request.timeoutMs,
          validateOnly,
        },
        request.timeoutMs,
      );
      const created = answer.topics.filter((t) => t.errorCode === 'NONE').map((t) => t.name);
      const configs = context.header.apiVersion >= CONFIGS_IN_ANSWER_VERSION && !validateOnly ? await topicConfigs(services, created) : new Map<string, DescribeConfigsResult__Output>();
      return {
        throttleTimeMs: 0,
        topics: answer.topics.map((topic): KafkaTopicResult => {
          const errorCode = kafkaErrorCode(topic.errorCode);
          const described = configs.get(topic.name);
          return {
            name: topic.name,
            topicId: topic.topicId === '' ? ZERO_UUID : topic.topicId,
            errorCode,
            errorMessage: errorCode === 0 ? null : topic.errorMessage,
            topicConfigErrorCode: described === undefined ? 0 : kafkaErrorCode(described.errorCode),
            numPartitions: errorCode === 0 ? topic.numPartitions : -1,
            replicationFactor: errorCode === 0 ? topic.replicationFactor : -1,
            configs: described === undefined ? null : described.configs.map((entry): KafkaConfigResult => ({ name: entry.name, value: entry.value ?? null, readOnly: entry.readOnly, configSource: kafkaConfigSource(entry.source), isSensitive: entry.isSensitive })),
          };
        }),
      };
    },
    errorResponse: (error, request): CreateTopicsResponse => ({
      throttleTimeMs: 0,
      topics: request.topics.map((topic) => ({ name: topic.name, topicId: ZERO_UUID, errorCode: kafkaErrorCodeOf(error), errorMessage: toQuillError(error).message, numPartitions: -1, replicationFactor: -1, configs: null })),
    }),
  };
}

/** The configs of `topics` by name, as the controller describes them. */
async function topicConfigs(services: KafkaServices, topics: readonly string[]): Promise<Map<string, DescribeConfigsResult__Output>> {
  if (topics.length === 0) return new Map();
  const answer = await callController<DescribeConfigsResponse__Output>(services, 'DescribeConfigs', {
    resources: topics.map((name) => ({ resourceType: 'CONFIG_RESOURCE_TYPE_TOPIC', resourceName: name, configNames: [] })),
  });
  return new Map(answer.results.map((result) => [result.resourceName, result]));
}
