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

/** How long a DeleteRecords without a timeout waits for the in-sync followers. */
export const DEFAULT_DELETE_RECORDS_TIMEOUT_MS = 30_000;

/**
 * One partition of a DeleteRecords request on its leader: the log start offset moves to `offset`
 * (-1: the high watermark); answered once the in-sync followers moved theirs, within `timeoutMs`.
 */
export async function deletePartitionRecords(ctx: BrokerServiceContext, topic: string, partition: number, offset: number, timeoutMs: number): Promise<DeletedRecords> {
  try {
    const lowWatermark = await ctx.replicas.deleteRecords(topic, partition, offset, timeoutMs);
    return { partition, errorCode: 'NONE', errorMessage: '', lowWatermark };
  } catch (error) {
    return { partition, ...codeOf(toQuillError(error)), lowWatermark: -1 };
  }
}

/** DeleteRecords: per partition, its leader moves the log start offset and answers the new low watermark. */
export function deleteRecordsHandler(ctx: BrokerServiceContext): BrokerHandlers['DeleteRecords'] {
  return unary(async (call) => {
    const timeoutMs = call.request.timeoutMs > 0 ? call.request.timeoutMs : DEFAULT_DELETE_RECORDS_TIMEOUT_MS;
    return {
      topics: await Promise.all(
        call.request.topics.map(async (topic) => ({
          name: topic.name,
          partitions: await Promise.all(topic.partitions.map((p) => deletePartitionRecords(ctx, topic.name, p.partition, p.offset, timeoutMs))),
        })),
      ),
    };
  });
}
