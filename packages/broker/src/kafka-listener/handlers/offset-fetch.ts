import { ApiKeys, type OffsetFetchRequest, type OffsetFetchResponse, type OffsetFetchResponseGroupResponse } from '@quill/kafka-protocol';
import type { GroupCoordinator } from '../../group-coordinator/group-coordinator.js';
import type { KafkaHandler } from '../handler-registry.js';
import { kafkaErrorCode, kafkaErrorCodeOf } from '../kafka-error-codes.js';
import { toInt64 } from './group-client.js';

/** The first version with a top-level error code (older ones carry it on each partition). */
const TOP_LEVEL_ERROR_FROM_VERSION = 2;
/** The first version asking for several groups at once. */
const MULTI_GROUP_FROM_VERSION = 8;

type Topics = Array<{ name: string; partitionIndexes: number[] }> | null | undefined;

/**
 * OffsetFetch through the group coordinator: the asked partitions (offset -1 where nothing is
 * committed) or, with null topics, every committed one. Metadata comes back as committed (""
 * when none, as Kafka stores it). v8 asks for several groups, each answered on its own.
 */
export function offsetFetchKafkaHandler(groups: Pick<GroupCoordinator, 'fetchOffsets'>): KafkaHandler<OffsetFetchRequest> {
  const fetchGroup = (groupId: string, topics: Topics, requireStable: boolean): OffsetFetchResponseGroupResponse => {
    const response = groups.fetchOffsets({
      groupId,
      topics: (topics ?? []).map((t) => ({ topic: t.name, partitions: t.partitionIndexes })),
      requireStable,
    });
    return {
      groupId,
      errorCode: kafkaErrorCode(response.error?.code),
      topics: (response.topics ?? []).map((t) => ({
        name: t.name ?? '',
        partitions: (t.partitions ?? []).map((p) => ({
          partitionIndex: p.partition ?? 0,
          committedOffset: toInt64(p.committedOffset),
          committedLeaderEpoch: p.committedLeaderEpoch ?? -1,
          metadata: p.committedMetadata ?? '',
          errorCode: kafkaErrorCode(p.errorCode),
        })),
      })),
    };
  };
  return {
    apiKey: ApiKeys.OffsetFetch,
    handle: async (request, { header }): Promise<OffsetFetchResponse> => {
      const requireStable = request.requireStable ?? false;
      if (header.apiVersion >= MULTI_GROUP_FROM_VERSION) {
        return { throttleTimeMs: 0, groups: (request.groups ?? []).map((g) => fetchGroup(g.groupId, g.topics, requireStable)) };
      }
      return singleGroup(fetchGroup(request.groupId ?? '', request.topics, requireStable), request.topics, header.apiVersion);
    },
    errorResponse: (error, request, { header }): OffsetFetchResponse => {
      const errorCode = kafkaErrorCodeOf(error);
      if (header.apiVersion >= MULTI_GROUP_FROM_VERSION) return { throttleTimeMs: 0, groups: (request.groups ?? []).map((g) => ({ groupId: g.groupId, errorCode, topics: [] })) };
      return singleGroup({ groupId: request.groupId ?? '', errorCode, topics: [] }, request.topics, header.apiVersion);
    },
  };
}

/** A v0–7 answer: the group's error at the top (v2+) or, before v2, on each asked partition. */
function singleGroup(group: OffsetFetchResponseGroupResponse, asked: Topics, apiVersion: number): OffsetFetchResponse {
  if (group.errorCode === 0 || apiVersion >= TOP_LEVEL_ERROR_FROM_VERSION) return { throttleTimeMs: 0, errorCode: group.errorCode, topics: group.topics };
  return {
    throttleTimeMs: 0,
    topics: (asked ?? []).map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: group.errorCode })),
    })),
  };
}
