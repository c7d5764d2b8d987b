import { ApiKeys, type DeleteGroupsRequest, type DeleteGroupsResponse } from '@quill/kafka-protocol';
import type { GroupCoordinator } from '../../group-coordinator/group-coordinator.js';
import type { KafkaHandler } from '../handler-registry.js';
import { kafkaErrorCode, kafkaErrorCodeOf } from '../kafka-error-codes.js';

/** DeleteGroups through the group coordinator: empty groups go with their committed offsets. */
export function deleteGroupsKafkaHandler(groups: Pick<GroupCoordinator, 'deleteGroups'>): KafkaHandler<DeleteGroupsRequest> {
  return {
    apiKey: ApiKeys.DeleteGroups,
    handle: async (request): Promise<DeleteGroupsResponse> => ({
      throttleTimeMs: 0,
      results: (await groups.deleteGroups(request.groupsNames)).map((r) => ({ groupId: r.groupId ?? '', errorCode: kafkaErrorCode(r.errorCode) })),
    }),
    errorResponse: (error, request): DeleteGroupsResponse => ({ throttleTimeMs: 0, results: request.groupsNames.map((groupId) => ({ groupId, errorCode: kafkaErrorCodeOf(error) })) }),
  };
}
