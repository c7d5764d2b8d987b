import { ApiKeys, type DescribeConfigsRequest, type DescribeConfigsResponse } from '@quill/kafka-protocol';
import type { ConfigEntry__Output, DescribeConfigsResponse__Output } from '@quill/proto';
import { toQuillError } from '../../errors.js';
import type { KafkaHandler } from '../handler-registry.js';
import { kafkaErrorCode, kafkaErrorCodeOf } from '../kafka-error-codes.js';
import type { KafkaServices } from '../kafka-services.js';
import { callController } from './controller-call.js';
import { KAFKA_CONFIG_SOURCE_DEFAULT, kafkaConfigSource, quillResourceType, resourceKey } from './config-resources.js';

type KafkaConfig = DescribeConfigsResponse['results'][number]['configs'][number];

/** Kafka's "unknown" config type: Quill's answer does not carry types. */
const CONFIG_TYPE_UNKNOWN = 0;

/**
 * DescribeConfigs: the controller's answer (the gRPC DescribeConfigs) for topics, brokers and
 * the cluster-wide default (a broker named ""), every config with its value, source, read-only
 * and sensitive flags. The only synonym known is the entry's own source, so that is the list.
 */
export function describeConfigsHandler(services: KafkaServices): KafkaHandler<DescribeConfigsRequest> {
  return {
    apiKey: ApiKeys.DescribeConfigs,
    handle: async (request): Promise<DescribeConfigsResponse> => {
      const invalid = new Map<number, unknown>();
      const resources = request.resources.flatMap((resource, index) => {
        try {
          return [{ resourceType: quillResourceType(resource.resourceType, resource.resourceName), resourceName: resource.resourceName, configNames: resource.configurationKeys ?? [] }];
        } catch (error) {
          invalid.set(index, error);
          return [];
        }
      });
      const answer = resources.length === 0 ? undefined : await callController<DescribeConfigsResponse__Output>(services, 'DescribeConfigs', { resources });
      const byKey = new Map((answer?.results ?? []).map((result) => [resourceKey(result.resourceType, result.resourceName), result]));
      return {
        throttleTimeMs: 0,
        results: request.resources.map((resource, index) => {
          const echo = { resourceType: resource.resourceType, resourceName: resource.resourceName };
          const problem = invalid.get(index);
          if (problem !== undefined) return { ...echo, errorCode: kafkaErrorCodeOf(problem), errorMessage: toQuillError(problem).message, configs: [] };
          const result = byKey.get(resourceKey(quillResourceType(resource.resourceType, resource.resourceName), resource.resourceName));
          if (result === undefined) return { ...echo, errorCode: kafkaErrorCode('UNKNOWN_SERVER_ERROR'), errorMessage: 'The controller did not answer for this resource.', configs: [] };
          const errorCode = kafkaErrorCode(result.errorCode);
          return {
            ...echo,
            errorCode,
            errorMessage: errorCode === 0 ? null : result.errorMessage,
            configs: result.configs.map((entry) => kafkaConfig(entry, request.includeSynonyms ?? false)),
          };
        }),
      };
    },
    errorResponse: (error, request): DescribeConfigsResponse => ({
      throttleTimeMs: 0,
      results: request.resources.map((resource) => ({
        resourceType: resource.resourceType,
        resourceName: resource.resourceName,
        errorCode: kafkaErrorCodeOf(error),
        errorMessage: toQuillError(error).message,
        configs: [],
      })),
    }),
  };
}

/** One config in Kafka's shape; fields a version lacks are dropped by the encoder. */
export function kafkaConfig(entry: ConfigEntry__Output, includeSynonyms: boolean): KafkaConfig {
  const value = entry.value ?? null;
  const source = kafkaConfigSource(entry.source);
  return {
    name: entry.name,
    value,
    readOnly: entry.readOnly,
    isDefault: source === KAFKA_CONFIG_SOURCE_DEFAULT,
    configSource: source,
    isSensitive: entry.isSensitive,
    synonyms: includeSynonyms ? [{ name: entry.name, value, source }] : [],
    configType: CONFIG_TYPE_UNKNOWN,
    documentation: null,
  };
}
