import type { ServerDuplexStream } from '@grpc/grpc-js';
import {
  type ReplicaFetchPartitionResponse,
  type ReplicaFetchRequest__Output,
  type ReplicaFetchResponse,
  type ReplicaHandlers,
} from '@quill/proto';
import { toQuillError } from '../errors.js';
import { FetchStreamSession } from './fetch-stream-session.js';
import { serveInOrder } from './in-order-stream.js';
import type { ReplicaManager } from '../replica-manager/replica-manager.js';

/**
 * The broker-to-broker Replica service, leader side: follower fetches, unary or on a long-lived
 * stream (they also report the follower's position for the ISR and the high watermark), and
 * OffsetForLeaderEpoch.
 */
export function replicaHandlers(replicas: ReplicaManager, maxPending: number): Partial<ReplicaHandlers> {
  return {
    ReplicaFetch: (call, callback) => {
      replicaFetch(replicas, call.request).then(
        (response) => callback(null, response),
        (error: unknown) => callback(null, { error: { code: toQuillError(error).code, message: toQuillError(error).message } }),
      );
    },
    ReplicaFetchStream: (call: ServerDuplexStream<ReplicaFetchRequest__Output, ReplicaFetchResponse>) => {
      // The session trims each answer to what this follower has not been told, in answer order.
      const session = new FetchStreamSession();
      serveInOrder(
        call,
        (request) =>
          replicaFetch(replicas, request).catch((error: unknown) => ({ error: { code: toQuillError(error).code, message: toQuillError(error).message } })),
        maxPending,
        (response) => session.trim(response),
      );
    },
    OffsetForLeaderEpoch: (call, callback) => {
      const topics = call.request.topics.map((topic) => ({
        topicId: topic.topicId,
        partitions: topic.partitions.map((p) => {
          try {
            const end = replicas.endOffsetForEpoch(topic.topicId, p.partition, p.currentLeaderEpoch, p.leaderEpoch);
            return { partition: p.partition, errorCode: 'NONE' as const, leaderEpoch: end.epoch, endOffset: end.endOffset };
          } catch (error) {
            const quill = toQuillError(error);
            return { partition: p.partition, errorCode: quill.code, errorMessage: quill.message, leaderEpoch: -1, endOffset: -1 };
          }
        }),
      }));
      callback(null, { topics });
    },
  };
}

async function replicaFetch(replicas: ReplicaManager, request: ReplicaFetchRequest__Output): Promise<ReplicaFetchResponse> {
  const read = (): ReplicaFetchResponse => ({
    topics: request.topics.map((topic) => ({
      topicId: topic.topicId,
      partitions: topic.partitions.map((p): ReplicaFetchPartitionResponse => {
        try {
          const { partition } = replicas.byTopicId(topic.topicId, p.partition);
          const fenced = partition.checkLeaderEpoch(p.currentLeaderEpoch);
          if (fenced !== undefined) throw fenced;
          const result = partition.readForFollower(request.replicaId, p.fetchOffset, p.lastFetchedEpoch, p.flushedOffset, p.partitionMaxBytes);
          return {
            partition: p.partition,
            errorCode: 'NONE',
            highWatermark: result.highWatermark,
            logStartOffset: result.logStartOffset,
            records: result.records,
            ...(result.divergingEpoch === undefined ? {} : { divergingEpoch: result.divergingEpoch }),
          };
        } catch (error) {
          const quill = toQuillError(error);
          const partition = safePartition(replicas, topic.topicId, p.partition);
          return { partition: p.partition, errorCode: quill.code, errorMessage: quill.message, highWatermark: -1, logStartOffset: partition?.log.logStartOffset ?? -1 };
        }
      }),
    })),
  });
  const first = read();
  const hasNews = (first.topics ?? []).some((t) => (t.partitions ?? []).some((p) => (p.records?.length ?? 0) > 0 || p.divergingEpoch !== undefined || p.errorCode !== 'NONE'));
  if (hasNews || request.maxWaitMs <= 0) return first;
  // Nothing new: long-poll until the leader appends to one of these partitions.
  const keys: string[] = [];
  const waiting: Array<() => boolean> = [];
  for (const topic of request.topics) {
    for (const p of topic.partitions) {
      const partition = safePartition(replicas, topic.topicId, p.partition);
      if (partition === undefined) continue;
      keys.push(partition.key);
      waiting.push(() => partition.log.logEndOffset > p.fetchOffset || !partition.isLeader);
    }
  }
  await replicas.waitForData(keys, () => waiting.some((w) => w()), request.maxWaitMs);
  return read();
}

function safePartition(replicas: ReplicaManager, topicId: string, index: number) {
  try {
    return replicas.byTopicId(topicId, index).partition;
  } catch {
    return undefined;
  }
}
