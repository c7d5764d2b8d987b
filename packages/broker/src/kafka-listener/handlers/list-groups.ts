import { ApiKeys, type ListGroupsRequest, type ListGroupsResponse } from '@quill/kafka-protocol';
import type { GroupCoordinator } from '../../group-coordinator/group-coordinator.js';
import type { KafkaHandler } from '../handler-registry.js';
import { kafkaErrorCode, kafkaErrorCodeOf } from '../kafka-error-codes.js';

/** ListGroups through the group coordinator: the groups this broker coordinates (v4: only those in the given states). */
export function listGroupsKafkaHandler(groups: Pick<GroupCoordinator, 'listGroups'>): KafkaHandler<ListGroupsRequest> {
  return {
    apiKey: ApiKeys.ListGroups,
    handle: async (request): Promise<ListGroupsResponse> => {
      const response = groups.listGroups(request.statesFilter ?? []);
      return {
        throttleTimeMs: 0,
        errorCode: kafkaErrorCode(response.error?.code),
        groups: (response.groups ?? []).map((g) => ({ groupId: g.groupId ?? '', protocolType: g.protocolType ?? '', groupState: g.groupState ?? '' })),
      };
    },
    errorResponse: (error): ListGroupsResponse => ({ throttleTimeMs: 0, errorCode: kafkaErrorCodeOf(error), groups: [] }),
  };
}
