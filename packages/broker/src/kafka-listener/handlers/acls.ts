import { aclsMatching, parseAclBindingFilter } from '@quill/metadata';
import {
  ApiKeys,
  type CreateAclsRequest,
  type CreateAclsResponse,
  type DeleteAclsRequest,
  type DeleteAclsResponse,
  type DescribeAclsRequest,
  type DescribeAclsResponse,
} from '@quill/kafka-protocol';
import { ErrorCode, QuillError, type AclBinding__Output, type CreateAclsResponse__Output, type DeleteAclsResponse__Output } from '@quill/proto';
import { toQuillError } from '../../errors.js';
import type { KafkaHandler } from '../handler-registry.js';
import { kafkaErrorCode, kafkaErrorCodeOf } from '../kafka-error-codes.js';
import type { KafkaServices } from '../kafka-services.js';
import { aclEnumName, aclEnumValue, aclFilterFields } from './acl-types.js';
import { callController } from './controller-call.js';

/** CreateAcls through the controller: one result per creation. */
export function createAclsHandler(services: KafkaServices): KafkaHandler<CreateAclsRequest> {
  return {
    apiKey: ApiKeys.CreateAcls,
    handle: async (request): Promise<CreateAclsResponse> => {
      const answer = await callController<CreateAclsResponse__Output>(services, 'CreateAcls', {
        creations: request.creations.map((c) => ({
          resourceType: aclEnumName('resourceType', c.resourceType),
          resourceName: c.resourceName,
          patternType: aclEnumName('patternType', c.resourcePatternType ?? aclEnumValue('patternType', 'LITERAL')),
          principal: c.principal,
          host: c.host,
          operation: aclEnumName('operation', c.operation),
          permission: aclEnumName('permission', c.permissionType),
        })),
      });
      return {
        throttleTimeMs: 0,
        results: answer.results.map((r) => {
          const errorCode = kafkaErrorCode(r.errorCode);
          return { errorCode, errorMessage: errorCode === 0 ? null : r.errorMessage };
        }),
      };
    },
    errorResponse: (error, request): CreateAclsResponse => {
      const errorCode = kafkaErrorCodeOf(error);
      const errorMessage = toQuillError(error).message;
      return { throttleTimeMs: 0, results: request.creations.map(() => ({ errorCode, errorMessage })) };
    },
  };
}

/** DescribeAcls from this broker's metadata, grouped by resource pattern as Kafka answers. */
export function describeAclsHandler(services: KafkaServices): KafkaHandler<DescribeAclsRequest> {
  return {
    apiKey: ApiKeys.DescribeAcls,
    handle: async (request): Promise<DescribeAclsResponse> => {
      const filter = parseAclBindingFilter(aclFilterFields(request));
      if (typeof filter === 'string') throw new QuillError(ErrorCode.INVALID_REQUEST, filter);
      const state = services.broker.replicas.state;
      if (state === undefined) throw new QuillError(ErrorCode.BROKER_NOT_AVAILABLE, 'This broker has not loaded the cluster metadata yet.');
      const resources = new Map<string, DescribeAclsResponse['resources'][number]>();
      for (const { binding } of aclsMatching(state, filter)) {
        const key = `${binding.resourceType}\u0000${binding.patternType}\u0000${binding.resourceName}`;
        let resource = resources.get(key);
        if (resource === undefined) {
          resource = {
            resourceType: aclEnumValue('resourceType', binding.resourceType),
            resourceName: binding.resourceName,
            patternType: aclEnumValue('patternType', binding.patternType),
            acls: [],
          };
          resources.set(key, resource);
        }
        resource.acls.push({
          principal: binding.principal,
          host: binding.host,
          operation: aclEnumValue('operation', binding.operation),
          permissionType: aclEnumValue('permission', binding.permission),
        });
      }
      return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, resources: [...resources.values()] };
    },
    errorResponse: (error): DescribeAclsResponse => ({
      throttleTimeMs: 0,
      errorCode: kafkaErrorCodeOf(error),
      errorMessage: toQuillError(error).message,
      resources: [],
    }),
  };
}

/** DeleteAcls through the controller: per filter, the entries it matched and removed. */
export function deleteAclsHandler(services: KafkaServices): KafkaHandler<DeleteAclsRequest> {
  return {
    apiKey: ApiKeys.DeleteAcls,
    handle: async (request): Promise<DeleteAclsResponse> => {
      const answer = await callController<DeleteAclsResponse__Output>(services, 'DeleteAcls', { filters: request.filters.map(aclFilterFields) });
      return {
        throttleTimeMs: 0,
        filterResults: answer.results.map((r) => {
          const errorCode = kafkaErrorCode(r.errorCode);
          return { errorCode, errorMessage: errorCode === 0 ? null : r.errorMessage, matchingAcls: r.deleted.map(matchingAcl) };
        }),
      };
    },
    errorResponse: (error, request): DeleteAclsResponse => {
      const errorCode = kafkaErrorCodeOf(error);
      const errorMessage = toQuillError(error).message;
      return { throttleTimeMs: 0, filterResults: request.filters.map(() => ({ errorCode, errorMessage, matchingAcls: [] })) };
    },
  };
}

function matchingAcl(binding: AclBinding__Output): DeleteAclsResponse['filterResults'][number]['matchingAcls'][number] {
  return {
    errorCode: 0,
    errorMessage: null,
    resourceType: aclEnumValue('resourceType', binding.resourceType),
    resourceName: binding.resourceName,
    patternType: aclEnumValue('patternType', binding.patternType),
    principal: binding.principal,
    host: binding.host,
    operation: aclEnumValue('operation', binding.operation),
    permissionType: aclEnumValue('permission', binding.permission),
  };
}
