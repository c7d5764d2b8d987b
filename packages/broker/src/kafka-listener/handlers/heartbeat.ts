import { ApiKeys, type HeartbeatRequest, type HeartbeatResponse } from '@quill/kafka-protocol';
import type { GroupCoordinator } from '../../group-coordinator/group-coordinator.js';
import type { KafkaHandler } from '../handler-registry.js';
import { kafkaErrorCode, kafkaErrorCodeOf } from '../kafka-error-codes.js';
import { optionalString } from './group-client.js';

/** Heartbeat through the group coordinator, answered at once (Kafka clients do not long-poll it). */
export function heartbeatKafkaHandler(groups: Pick<GroupCoordinator, 'heartbeat'>): KafkaHandler<HeartbeatRequest> {
  return {
    apiKey: ApiKeys.Heartbeat,
    handle: async (request): Promise<HeartbeatResponse> => {
      const response = await groups.heartbeat({
        groupId: request.groupId,
        generationId: request.generationId,
        memberId: request.memberId,
        ...optionalString(request.groupInstanceId),
        maxWaitMs: 0,
      });
      return { throttleTimeMs: 0, errorCode: kafkaErrorCode(response.error?.code) };
    },
    errorResponse: (error): HeartbeatResponse => ({ throttleTimeMs: 0, errorCode: kafkaErrorCodeOf(error) }),
  };
}
