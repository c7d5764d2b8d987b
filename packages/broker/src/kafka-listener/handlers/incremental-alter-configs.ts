import { ApiKeys, type IncrementalAlterConfigsRequest, type IncrementalAlterConfigsResponse } from '@quill/kafka-protocol';
import type { AlterConfigOp__Output, IncrementalAlterConfigsResponse__Output } from '@quill/proto';
import { brokerError } from '../../errors.js';
import type { KafkaHandler } from '../handler-registry.js';
import type { KafkaServices } from '../kafka-services.js';
import { kafkaAlterFailure, kafkaAlterResults, quillResources } from './config-alter-results.js';
import { callController } from './controller-call.js';

/** Kafka's AlterConfigOp numbers, by position: SET 0, DELETE 1, APPEND 2, SUBTRACT 3. */
const QUILL_OPS: readonly AlterConfigOp__Output[] = ['ALTER_CONFIG_OP_SET', 'ALTER_CONFIG_OP_DELETE', 'ALTER_CONFIG_OP_APPEND', 'ALTER_CONFIG_OP_SUBTRACT'];

function quillOp(kafkaOp: number): AlterConfigOp__Output {
  const op = QUILL_OPS[kafkaOp];
  if (op === undefined) throw brokerError('INVALID_REQUEST', `Config operation ${kafkaOp} is not one of SET (0), DELETE (1), APPEND (2), SUBTRACT (3).`);
  return op;
}

/** IncrementalAlterConfigs: set, delete, append to or subtract from single configs, through the controller as the gRPC call. */
export function incrementalAlterConfigsHandler(services: KafkaServices): KafkaHandler<IncrementalAlterConfigsRequest> {
  return {
    apiKey: ApiKeys.IncrementalAlterConfigs,
    handle: async (request): Promise<IncrementalAlterConfigsResponse> => {
      const { valid, invalid } = quillResources(request.resources, (resource, resourceType) => ({
        resourceType,
        resourceName: resource.resourceName,
        configs: resource.configs.map((config) => ({ name: config.name, op: quillOp(config.configOperation), ...(config.value === null ? {} : { value: config.value }) })),
      }));
      const answer = valid.length === 0 ? undefined : await callController<IncrementalAlterConfigsResponse__Output>(services, 'IncrementalAlterConfigs', { resources: valid, validateOnly: request.validateOnly });
      return { throttleTimeMs: 0, responses: kafkaAlterResults(request.resources, invalid, answer?.results ?? []) };
    },
    errorResponse: (error, request): IncrementalAlterConfigsResponse => ({ throttleTimeMs: 0, responses: kafkaAlterFailure(request.resources, error) }),
  };
}
