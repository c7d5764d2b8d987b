import { ApiKeys, type DeleteRecordsRequest, type DeleteRecordsResponse } from '@quill/kafka-protocol';
import { deletePartitionRecords } from '../../api/broker/delete-records.js';
import type { KafkaHandler } from '../handler-registry.js';
import { kafkaErrorCode, kafkaErrorCodeOf } from '../kafka-error-codes.js';
import type { KafkaServices } from '../kafka-services.js';

/** DeleteRecords on the partitions' leader: the same operation as the gRPC DeleteRecords, per partition. */
export function deleteRecordsHandler(services: KafkaServices): KafkaHandler<DeleteRecordsRequest> {
  return {
    apiKey: ApiKeys.DeleteRecords,
    handle: async (request): Promise<DeleteRecordsResponse> => ({
      throttleTimeMs: 0,
      topics: await Promise.all(
        request.topics.map(async (topic) => ({
          name: topic.name,
          partitions: await Promise.all(
            topic.partitions.map(async (p) => {
              const result = await deletePartitionRecords(services.broker, topic.name, p.partitionIndex, Number(p.offset), request.timeoutMs);
              return { partitionIndex: p.partitionIndex, lowWatermark: BigInt(result.lowWatermark), errorCode: kafkaErrorCode(result.errorCode) };
            }),
          ),
        })),
      ),
    }),
    errorResponse: (error, request): DeleteRecordsResponse => ({
      throttleTimeMs: 0,
      topics: request.topics.map((topic) => ({
        name: topic.name,
        partitions: topic.partitions.map((p) => ({ partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: kafkaErrorCodeOf(error) })),
      })),
    }),
  };
}
