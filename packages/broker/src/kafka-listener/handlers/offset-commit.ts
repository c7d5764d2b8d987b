import { ApiKeys, type OffsetCommitRequest, type OffsetCommitResponse } from '@quill/kafka-protocol';
import type { GroupCoordinator } from '../../group-coordinator/group-coordinator.js';
import type { KafkaHandler } from '../handler-registry.js';
import { kafkaErrorCode, kafkaErrorCodeOf } from '../kafka-error-codes.js';
import { optionalString } from './group-client.js';

/**
 * OffsetCommit through the group coordinator; the metadata string is stored as given. v0 (no
 * generation) and admin commits use generation -1. The per-request retention time (v2–4) is
 * ignored: the coordinator keeps committed offsets until their group is deleted.
 */
export function offsetCommitKafkaHandler(groups: Pick<GroupCoordinator, 'commitOffsets'>): KafkaHandler<OffsetCommitRequest> {
  return {
    apiKey: ApiKeys.OffsetCommit,
    handle: async (request): Promise<OffsetCommitResponse> => {
      const response = await groups.commitOffsets({
        groupId: request.groupId,
        generationId: request.generationId ?? -1,
        memberId: request.memberId ?? '',
        ...optionalString(request.groupInstanceId),
        topics: request.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({
            partition: p.partitionIndex,
            committedOffset: Number(p.committedOffset),
            committedLeaderEpoch: p.committedLeaderEpoch ?? -1,
            ...(p.committedMetadata === null ? {} : { committedMetadata: p.committedMetadata }),
          })),
        })),
      });
      const topLevel = kafkaErrorCode(response.error?.code);
      const results = new Map((response.topics ?? []).flatMap((t) => (t.partitions ?? []).map((p) => [`${t.name}:${p.partition}`, kafkaErrorCode(p.errorCode)] as const)));
      return {
        throttleTimeMs: 0,
        topics: request.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => {
            const own = results.get(`${t.name}:${p.partitionIndex}`) ?? 0;
            return { partitionIndex: p.partitionIndex, errorCode: own !== 0 ? own : topLevel };
          }),
        })),
      };
    },
    errorResponse: (error, request): OffsetCommitResponse => {
      const errorCode = kafkaErrorCodeOf(error);
      return { throttleTimeMs: 0, topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })) };
    },
  };
}
