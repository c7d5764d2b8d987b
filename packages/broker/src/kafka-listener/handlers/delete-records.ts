import { ApiKeys, type DeleteRecordsRequest, type DeleteRecordsResponse } from '@quill/kafka-protocol';
import { deletePartitionRecords } from '../../api/broker/delete-records.js';
import type { KafkaHandler } from '../handler-registry.js';
import { kafkaErrorCode } from '../kafka-error-codes.js';
import type { KafkaServices } from '../kafka-services.js';

/** DeleteRecords on the partitions' leader: the same operation as the gRPC DeleteRecords, per partition. */
export function deleteRecordsHandler(services: KafkaServices): KafkaHandler<DeleteRecordsRequest> {
  return {
    apiKey: ApiKeys.DeleteRecords,
    handle: async (request): Promise<DeleteRecordsResponse> => ({
      throttleTimeMs: 0,
      topics: request.topics.map((topic) => ({
        name: topic.name,
        partitions: topic.partitions.map((p) => {
          const result = deletePartitionRecords(services.broker, topic.name, p.partitionIndex, Number(p.offset));
          return { partitionIndex: p.partitionIndex, lowWatermark: BigInt(result.lowWatermark), errorCode: kafkaErrorCode(result.errorCode) };
        }),
      })),
    }),
  };
}
