import type { AlterConfigsResponse } from '@quill/kafka-protocol';
import type { AlterConfigsResult__Output } from '@quill/proto';
import { toQuillError } from '../../errors.js';
import { kafkaErrorCode, kafkaErrorCodeOf } from '../kafka-error-codes.js';
import { quillResourceType, resourceKey } from './config-resources.js';

/** A Kafka resource as the request named it. */
interface KafkaResource {
  resourceType: number;
  resourceName: string;
}

type KafkaAlterResult = AlterConfigsResponse['responses'][number];

/**
 * The Quill resources of a Kafka (Incremental)AlterConfigs request, and the refusal of each one
 * Quill has no resource type for (by its index in the request).
 */
export function quillResources<R extends KafkaResource, Q>(resources: readonly R[], toQuill: (resource: R, resourceType: ReturnType<typeof quillResourceType>) => Q): { valid: Q[]; invalid: Map<number, unknown> } {
  const invalid = new Map<number, unknown>();
  const valid = resources.flatMap((resource, index) => {
    try {
      return [toQuill(resource, quillResourceType(resource.resourceType, resource.resourceName))];
    } catch (error) {
      invalid.set(index, error);
      return [];
    }
  });
  return { valid, invalid };
}

/** One answer per requested resource, in the request's order, from the controller's results. */
export function kafkaAlterResults(resources: readonly KafkaResource[], invalid: ReadonlyMap<number, unknown>, results: readonly AlterConfigsResult__Output[]): KafkaAlterResult[] {
  const byKey = new Map(results.map((result) => [resourceKey(result.resourceType, result.resourceName), result]));
  return resources.map((resource, index) => {
    const echo = { resourceType: resource.resourceType, resourceName: resource.resourceName };
    const problem = invalid.get(index);
    if (problem !== undefined) return { ...echo, errorCode: kafkaErrorCodeOf(problem), errorMessage: toQuillError(problem).message };
    const result = byKey.get(resourceKey(quillResourceType(resource.resourceType, resource.resourceName), resource.resourceName));
    if (result === undefined) return { ...echo, errorCode: kafkaErrorCode('UNKNOWN_SERVER_ERROR'), errorMessage: 'The controller did not answer for this resource.' };
    const errorCode = kafkaErrorCode(result.errorCode);
    return { ...echo, errorCode, errorMessage: errorCode === 0 ? null : result.errorMessage };
  });
}

/** Every requested resource refused with `error` (the request as a whole failed). */
export function kafkaAlterFailure(resources: readonly KafkaResource[], error: unknown): KafkaAlterResult[] {
  return resources.map((resource) => ({ resourceType: resource.resourceType, resourceName: resource.resourceName, errorCode: kafkaErrorCodeOf(error), errorMessage: toQuillError(error).message }));
}
