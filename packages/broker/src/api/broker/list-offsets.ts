import type { BrokerHandlers, ErrorCode, ListOffsetsRequest__Output } from '@quill/proto';
import { brokerError, toQuillError } from '../../errors.js';
import { unary } from '../unary.js';
import type { BrokerServiceContext } from './context.js';
import { codeOf, unknownPartition } from './partition-errors.js';

const LATEST_TIMESTAMP = -1;
const EARLIEST_TIMESTAMP = -2;
/** The record with the largest timestamp (Kafka's KIP-734). */
const MAX_TIMESTAMP = -3;

/** ListOffsets: per partition the latest (high watermark), earliest, max-timestamp, or first offset at a timestamp, from the leader. */
export function listOffsetsHandler(ctx: BrokerServiceContext): BrokerHandlers['ListOffsets'] {
  return unary((call) => listOffsets(ctx, call.request));
}

/** One partition's offset lookup answer. */
export interface ListOffsetsPartitionResult {
  partition: number;
  errorCode: ErrorCode;
  errorMessage?: string;
  offset?: number;
  timestamp?: number;
  leaderEpoch?: number;
}

/** The offset lookups of a ListOffsets request (gRPC and Kafka ListOffsets), per topic in the request's order. */
export function listOffsets(ctx: BrokerServiceContext, request: ListOffsetsRequest__Output): { topics: Array<{ name: string; partitions: ListOffsetsPartitionResult[] }> } {
  return {
    topics: request.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((p): ListOffsetsPartitionResult => {
        try {
          const partition = ctx.replicas.partition(topic.name, p.partition);
          if (partition === undefined) throw unknownPartition(ctx.replicas.state, topic.name, p.partition);
          if (!partition.isLeader) throw brokerError('NOT_LEADER_OR_FOLLOWER', `${partition.key} is not led by broker ${ctx.config.nodeId}`);
          const fenced = partition.checkLeaderEpoch(p.currentLeaderEpoch);
          if (fenced !== undefined) throw fenced;
          const leaderEpoch = partition.leaderEpoch;
          if (p.timestamp === LATEST_TIMESTAMP) return { partition: p.partition, errorCode: 'NONE', offset: partition.highWatermark, timestamp: -1, leaderEpoch };
          if (p.timestamp === EARLIEST_TIMESTAMP) return { partition: p.partition, errorCode: 'NONE', offset: partition.log.logStartOffset, timestamp: -1, leaderEpoch };
          const found = p.timestamp === MAX_TIMESTAMP ? partition.log.offsetForMaxTimestamp() : partition.log.offsetForTimestamp(p.timestamp);
          const visible = found !== undefined && found.offset < partition.highWatermark;
          return { partition: p.partition, errorCode: 'NONE', offset: visible ? found.offset : -1, timestamp: visible ? found.timestamp : -1, leaderEpoch };
        } catch (error) {
          return { partition: p.partition, ...codeOf(toQuillError(error)) };
        }
      }),
    })),
  };
}
