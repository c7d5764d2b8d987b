import { ApiKeys, type LeaveGroupRequest, type LeaveGroupResponse } from '@quill/kafka-protocol';
import type { GroupCoordinator } from '../../group-coordinator/group-coordinator.js';
import type { KafkaHandler } from '../handler-registry.js';
import { kafkaErrorCode, kafkaErrorCodeOf } from '../kafka-error-codes.js';
import { optionalString } from './group-client.js';

/** The first version naming several members (KIP-345 batch leave). */
const BATCHED_FROM_VERSION = 3;

/**
 * LeaveGroup through the group coordinator. v0–2 name one member and carry its result as the
 * top-level error; v3+ name several, each with its own result.
 */
export function leaveGroupKafkaHandler(groups: Pick<GroupCoordinator, 'leave'>): KafkaHandler<LeaveGroupRequest> {
  return {
    apiKey: ApiKeys.LeaveGroup,
    handle: async (request, { header }): Promise<LeaveGroupResponse> => {
      const batched = header.apiVersion >= BATCHED_FROM_VERSION;
      const members = batched
        ? (request.members ?? []).map((m) => ({ memberId: m.memberId, ...optionalString(m.groupInstanceId), reason: m.reason ?? '' }))
        : [{ memberId: request.memberId ?? '', reason: '' }];
      const response = await groups.leave({ groupId: request.groupId, members });
      const topLevel = kafkaErrorCode(response.error?.code);
      const results = (response.members ?? []).map((m) => ({ memberId: m.memberId ?? '', groupInstanceId: m.groupInstanceId ?? null, errorCode: kafkaErrorCode(m.errorCode) }));
      if (batched) return { throttleTimeMs: 0, errorCode: topLevel, members: results };
      return { throttleTimeMs: 0, errorCode: topLevel !== 0 ? topLevel : (results[0]?.errorCode ?? 0) };
    },
    errorResponse: (error): LeaveGroupResponse => ({ throttleTimeMs: 0, errorCode: kafkaErrorCodeOf(error), members: [] }),
  };
}
