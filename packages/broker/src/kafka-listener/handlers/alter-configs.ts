import { ApiKeys, type AlterConfigsRequest, type AlterConfigsResponse } from '@quill/kafka-protocol';
import type { AlterConfigsResponse__Output } from '@quill/proto';
import type { KafkaHandler } from '../handler-registry.js';
import type { KafkaServices } from '../kafka-services.js';
import { kafkaAlterFailure, kafkaAlterResults, quillResources } from './config-alter-results.js';
import { callController } from './controller-call.js';

/**
 * AlterConfigs: each resource's complete set of dynamic configs replaced, through the controller
 * as the gRPC AlterConfigs. A config with a null value is left out of the set (it falls back to
 * its default), as Kafka treats it.
 */
export function alterConfigsHandler(services: KafkaServices): KafkaHandler<AlterConfigsRequest> {
  return {
    apiKey: ApiKeys.AlterConfigs,
    handle: async (request): Promise<AlterConfigsResponse> => {
      const { valid, invalid } = quillResources(request.resources, (resource, resourceType) => ({
        resourceType,
        resourceName: resource.resourceName,
        configs: Object.fromEntries(resource.configs.flatMap((config) => (config.value === null ? [] : [[config.name, config.value]]))),
      }));
      const answer = valid.length === 0 ? undefined : await callController<AlterConfigsResponse__Output>(services, 'AlterConfigs', { resources: valid, validateOnly: request.validateOnly });
      return { throttleTimeMs: 0, responses: kafkaAlterResults(request.resources, invalid, answer?.results ?? []) };
    },
    errorResponse: (error, request): AlterConfigsResponse => ({ throttleTimeMs: 0, responses: kafkaAlterFailure(request.resources, error) }),
  };
}
