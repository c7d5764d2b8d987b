import { ApiKeys, type JoinGroupRequest, type JoinGroupResponse } from '@quill/kafka-protocol';
import type { JoinGroupResponse as CoordinatorJoinResponse } from '@quill/proto';
import type { GroupCoordinator } from '../../group-coordinator/group-coordinator.js';
import type { KafkaHandler, KafkaRequestContext } from '../handler-registry.js';
import { kafkaErrorCode, kafkaErrorCodeOf } from '../kafka-error-codes.js';
import { kafkaClientOf, optionalString } from './group-client.js';

/** Below this version a client cannot be asked to rejoin with a member id (KIP-394 came with v4). */
const MEMBER_ID_REQUIRED_FROM_VERSION = 4;
/** From this version the protocol name is nullable (null until a protocol is chosen). */
const NULLABLE_PROTOCOL_NAME_FROM_VERSION = 7;

/**
 * JoinGroup through the group coordinator. Protocol metadata passes through as opaque bytes.
 * A v0–3 client, which cannot handle MEMBER_ID_REQUIRED, is joined with the member id the
 * coordinator handed out in the same request, as Kafka does for those versions.
 */
export function joinGroupKafkaHandler(groups: Pick<GroupCoordinator, 'join'>): KafkaHandler<JoinGroupRequest> {
  return {
    apiKey: ApiKeys.JoinGroup,
    handle: async (request, context): Promise<JoinGroupResponse> => {
      const join = (memberId: string) =>
        groups.join(
          {
            groupId: request.groupId,
            sessionTimeoutMs: request.sessionTimeoutMs,
            rebalanceTimeoutMs: request.rebalanceTimeoutMs ?? 0,
            memberId,
            ...optionalString(request.groupInstanceId),
            protocolType: request.protocolType,
            protocols: request.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
            reason: request.reason ?? '',
          },
          kafkaClientOf(context),
        );
      let response = await join(request.memberId);
      if (context.header.apiVersion < MEMBER_ID_REQUIRED_FROM_VERSION && response.error?.code === 'MEMBER_ID_REQUIRED') response = await join(response.memberId ?? '');
      return toKafka(response, context);
    },
    errorResponse: (error, request, context): JoinGroupResponse => toKafka({ error: { code: 'NONE' }, memberId: request.memberId }, context, kafkaErrorCodeOf(error)),
  };
}

function toKafka(response: CoordinatorJoinResponse, context: KafkaRequestContext, thrownCode?: number): JoinGroupResponse {
  const errorCode = thrownCode ?? kafkaErrorCode(response.error?.code);
  const noProtocol = context.header.apiVersion >= NULLABLE_PROTOCOL_NAME_FROM_VERSION ? null : '';
  return {
    throttleTimeMs: 0,
    errorCode,
    generationId: errorCode === 0 || response.generationId !== undefined ? (response.generationId ?? -1) : -1,
    protocolType: response.protocolType || null,
    protocolName: response.protocolName || noProtocol,
    leader: response.leader ?? '',
    skipAssignment: response.skipAssignment ?? false,
    memberId: response.memberId ?? '',
    members: (response.members ?? []).map((m) => ({
      memberId: m.memberId ?? '',
      groupInstanceId: m.groupInstanceId ?? null,
      metadata: Buffer.from(m.metadata ?? Buffer.alloc(0)),
    })),
  };
}
