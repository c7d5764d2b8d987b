import { ApiKeys, type ListOffsetsRequest, type ListOffsetsResponse, type ListOffsetsResponsePartitionResponse } from '@quill/kafka-protocol';
import type { ListOffsetsRequest__Output } from '@quill/proto';
import { listOffsets, type ListOffsetsPartitionResult } from '../../api/broker/list-offsets.js';
import type { BrokerServiceContext } from '../../api/broker/context.js';
import type { KafkaHandler } from '../handler-registry.js';
import { kafkaErrorCode, kafkaErrorCodeOf } from '../kafka-error-codes.js';
import { isolationLevelOf } from './isolation-level.js';

/** ListOffsets over the Kafka listener: the gRPC ListOffsets lookups (latest, earliest, max timestamp from v7, by timestamp) in Kafka's form. */
export function listOffsetsKafkaHandler(ctx: BrokerServiceContext): KafkaHandler<ListOffsetsRequest> {
  return {
    apiKey: ApiKeys.ListOffsets,
    handle: async (request, context): Promise<ListOffsetsResponse> => {
      const result = listOffsets(ctx, toListOffsetsRequest(request));
      return toKafkaListOffsetsResponse(result, context.header.apiVersion);
    },
    errorResponse: (error, request, context): ListOffsetsResponse => {
      const errorCode = kafkaErrorCodeOf(error);
      const result = {
        topics: request.topics.map((topic) => ({ name: topic.name, partitions: topic.partitions.map((p) => ({ partition: p.partitionIndex, errorCode: 'NONE' as const })) })),
      };
      const response = toKafkaListOffsetsResponse(result, context.header.apiVersion);
      for (const topic of response.topics) for (const p of topic.partitions) p.errorCode = errorCode;
      return response;
    },
  };
}

/** The Kafka request as the broker's ListOffsets takes it. */
export function toListOffsetsRequest(request: ListOffsetsRequest): ListOffsetsRequest__Output {
  return {
    isolationLevel: isolationLevelOf(request.isolationLevel),
    topics: request.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((p) => ({ partition: p.partitionIndex, currentLeaderEpoch: p.currentLeaderEpoch ?? -1, timestamp: Number(p.timestamp) })),
    })),
  };
}

/** The broker's answer in Kafka's form; v0 carries the offset as its one "old style" offset (none when not found). */
export function toKafkaListOffsetsResponse(
  result: { topics: Array<{ name: string; partitions: ListOffsetsPartitionResult[] }> },
  apiVersion: number,
): ListOffsetsResponse {
  return {
    throttleTimeMs: 0,
    topics: result.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((p): ListOffsetsResponsePartitionResponse => {
        const offset = p.offset ?? -1;
        return {
          partitionIndex: p.partition,
          errorCode: kafkaErrorCode(p.errorCode),
          oldStyleOffsets: apiVersion === 0 && offset >= 0 ? [BigInt(offset)] : [],
          timestamp: BigInt(p.timestamp ?? -1),
          offset: BigInt(offset),
          leaderEpoch: p.leaderEpoch ?? -1,
        };
      }),
    })),
  };
}
