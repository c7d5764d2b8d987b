import type { BrokerHandlers, ErrorCode } from '@quill/proto';
import { toQuillError } from '../../errors.js';
import { unary } from '../unary.js';
import type { BrokerServiceContext } from './context.js';
import { codeOf } from './partition-errors.js';

/** A partition's DeleteRecords outcome: its new log start offset, or why it has none (-1). */
export interface DeletedRecords {
  partition: number;
  errorCode: ErrorCode;
  errorMessage: string;
  lowWatermark: number;
}

/** One partition of a DeleteRecords request on its leader: the log start offset moves to `offset` (-1: the high watermark). */
export function deletePartitionRecords(ctx: BrokerServiceContext, topic: string, partition: number, offset: number): DeletedRecords {
  try {
    const lowWatermark = ctx.replicas.deleteRecords(topic, partition, offset);
    return { partition, errorCode: 'NONE', errorMessage: '', lowWatermark };
  } catch (error) {
    return { partition, ...codeOf(toQuillError(error)), lowWatermark: -1 };
  }
}

/** DeleteRecords: per partition, its leader moves the log start offset and answers the new low watermark. */
export function deleteRecordsHandler(ctx: BrokerServiceContext): BrokerHandlers['DeleteRecords'] {
  return unary((call) => ({
    topics: call.request.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((p) => deletePartitionRecords(ctx, topic.name, p.partition, p.offset)),
    })),
  }));
}
