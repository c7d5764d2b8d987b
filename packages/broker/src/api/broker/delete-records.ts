import type { BrokerHandlers, DeleteRecordsPartitionResult } from '@quill/proto';
import { toQuillError } from '../../errors.js';
import { unary } from '../unary.js';
import type { BrokerServiceContext } from './context.js';
import { codeOf } from './partition-errors.js';

/** DeleteRecords: per partition, its leader moves the log start offset and answers the new low watermark. */
export function deleteRecordsHandler(ctx: BrokerServiceContext): BrokerHandlers['DeleteRecords'] {
  return unary((call) => ({
    topics: call.request.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((p): DeleteRecordsPartitionResult => {
        try {
          const lowWatermark = ctx.replicas.deleteRecords(topic.name, p.partition, p.offset);
          return { partition: p.partition, errorCode: 'NONE', errorMessage: '', lowWatermark };
        } catch (error) {
          return { partition: p.partition, ...codeOf(toQuillError(error)), lowWatermark: -1 };
        }
      }),
    })),
  }));
}
