import { ApiKeys, type DescribeGroupsRequest, type DescribeGroupsResponse } from '@quill/kafka-protocol';
import type { GroupCoordinator } from '../../group-coordinator/group-coordinator.js';
import type { KafkaHandler } from '../handler-registry.js';
import { kafkaErrorCode, kafkaErrorCodeOf } from '../kafka-error-codes.js';

/** Kafka's value for "authorized operations not asked for". */
const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/** DescribeGroups through the group coordinator; member metadata and assignments are the clients' bytes, undecoded. */
export function describeGroupsKafkaHandler(groups: Pick<GroupCoordinator, 'describeGroups'>): KafkaHandler<DescribeGroupsRequest> {
  return {
    apiKey: ApiKeys.DescribeGroups,
    handle: async (request): Promise<DescribeGroupsResponse> => ({
      throttleTimeMs: 0,
      groups: groups.describeGroups(request.groups).map((g) => ({
        errorCode: kafkaErrorCode(g.errorCode),
        groupId: g.groupId ?? '',
        groupState: g.groupState ?? '',
        protocolType: g.protocolType ?? '',
        protocolData: g.protocolName ?? '',
        members: (g.members ?? []).map((m) => ({
          memberId: m.memberId ?? '',
          groupInstanceId: m.groupInstanceId ?? null,
          clientId: m.clientId ?? '',
          clientHost: m.clientHost ?? '',
          memberMetadata: Buffer.from(m.memberMetadata ?? Buffer.alloc(0)),
          memberAssignment: Buffer.from(m.memberAssignment ?? Buffer.alloc(0)),
        })),
        authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
      })),
    }),
    errorResponse: (error, request): DescribeGroupsResponse => ({
      throttleTimeMs: 0,
      groups: request.groups.map((groupId) => ({ errorCode: kafkaErrorCodeOf(error), groupId, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED })),
    }),
  };
}
