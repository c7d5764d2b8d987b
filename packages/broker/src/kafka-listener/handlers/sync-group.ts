import { ApiKeys, type SyncGroupRequest, type SyncGroupResponse } from '@quill/kafka-protocol';
import type { GroupCoordinator } from '../../group-coordinator/group-coordinator.js';
import type { KafkaHandler } from '../handler-registry.js';
import { kafkaErrorCode, kafkaErrorCodeOf } from '../kafka-error-codes.js';
import { optionalString } from './group-client.js';

/** SyncGroup through the group coordinator; assignments pass through as opaque bytes. */
export function syncGroupKafkaHandler(groups: Pick<GroupCoordinator, 'sync'>): KafkaHandler<SyncGroupRequest> {
  return {
    apiKey: ApiKeys.SyncGroup,
    handle: async (request): Promise<SyncGroupResponse> => {
      const response = await groups.sync({
        groupId: request.groupId,
        generationId: request.generationId,
        memberId: request.memberId,
        ...optionalString(request.groupInstanceId),
        protocolType: request.protocolType ?? '',
        protocolName: request.protocolName ?? '',
        assignments: request.assignments.map((a) => ({ memberId: a.memberId, assignment: a.assignment })),
      });
      return {
        throttleTimeMs: 0,
        errorCode: kafkaErrorCode(response.error?.code),
        protocolType: response.protocolType || null,
        protocolName: response.protocolName || null,
        assignment: Buffer.from(response.assignment ?? Buffer.alloc(0)),
      };
    },
    errorResponse: (error): SyncGroupResponse => ({ throttleTimeMs: 0, errorCode: kafkaErrorCodeOf(error), protocolType: null, protocolName: null, assignment: Buffer.alloc(0) }),
  };
}
