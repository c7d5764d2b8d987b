import { ErrorCode, QuillError, asQuillError, errorInfo, type IsolationLevel } from '@quill/proto';
import type { Cluster } from './cluster.js';

/** ListOffsets' special timestamps (Kafka's). */
export const LATEST_TIMESTAMP = -1;
export const EARLIEST_TIMESTAMP = -2;

/** One partition to look an offset up for. */
export interface OffsetQuery {
  topic: string;
  partition: number;
  /** LATEST_TIMESTAMP, EARLIEST_TIMESTAMP, or a time in ms (first offset at or after it). */
  timestamp: number;
}

/** What the leader answered for one partition. */
export interface OffsetAnswer {
  /** -1 when no record has a timestamp at or after the one asked. */
  offset: number;
  /** The found record's timestamp for time lookups, else -1. */
  timestamp: number;
  leaderEpoch: number;
}

/** `topic-partition`, the key of per-partition results. */
export function topicPartitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/**
 * Asks each partition's leader for an offset, one ListOffsets request per leader, in parallel.
 * Never throws for a single partition: each gets its answer or its QuillError (a missing
 * leader, a transport failure, or the broker's error code).
 */
export async function listOffsets(
  cluster: Cluster,
  queries: readonly OffsetQuery[],
  isolationLevel: IsolationLevel,
  signal?: AbortSignal,
): Promise<Map<string, OffsetAnswer | QuillError>> {
  const results = new Map<string, OffsetAnswer | QuillError>();
  const byLeader = new Map<number, Array<OffsetQuery & { leaderEpoch: number }>>();
  for (const query of queries) {
    try {
      const leader = cluster.leaderFor(query.topic, query.partition);
      const list = byLeader.get(leader.nodeId) ?? [];
      list.push({ ...query, leaderEpoch: leader.leaderEpoch });
      byLeader.set(leader.nodeId, list);
    } catch (error) {
      results.set(topicPartitionKey(query.topic, query.partition), asQuillError(error));
    }
  }
  await Promise.all(
    [...byLeader].map(async ([nodeId, list]) => {
      const topics = new Map<string, Array<{ partition: number; currentLeaderEpoch: number; timestamp: number }>>();
      for (const q of list) {
        const partitions = topics.get(q.topic) ?? [];
        partitions.push({ partition: q.partition, currentLeaderEpoch: q.leaderEpoch, timestamp: q.timestamp });
        topics.set(q.topic, partitions);
      }
      try {
        const response = await cluster.connectionTo(nodeId).request(
          'ListOffsets',
          { isolationLevel, topics: [...topics].map(([name, partitions]) => ({ name, partitions })) },
          signal ? { signal } : {},
        );
        for (const topic of response.topics) {
          for (const p of topic.partitions) {
            const info = errorInfo(p.errorCode);
            results.set(
              topicPartitionKey(topic.name, p.partition),
              info.name === ErrorCode.NONE
                ? { offset: p.offset, timestamp: p.timestamp, leaderEpoch: p.leaderEpoch }
                : new QuillError(info.name, `${topic.name}-${p.partition}: ${p.errorMessage || info.message}`),
            );
          }
        }
        for (const q of list) {
          const key = topicPartitionKey(q.topic, q.partition);
          if (!results.has(key)) {
            results.set(
              key,
              new QuillError(ErrorCode.UNKNOWN_SERVER_ERROR, `broker ${nodeId} answered without ${q.topic}-${q.partition}`),
            );
          }
        }
      } catch (error) {
        const failure = asQuillError(error);
        for (const q of list) results.set(topicPartitionKey(q.topic, q.partition), failure);
      }
    }),
  );
  return results;
}
