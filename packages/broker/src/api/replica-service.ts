import type { ServerDuplexStream } from '@grpc/grpc-js';
import {
  type ReplicaFetchPartition__Output,
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
export function replicaHandlers(replicas: ReplicaManager, fullVisitIntervalMs: number): Partial<ReplicaHandlers> {
  return {
    ReplicaFetch: (call, callback) => {
      replicaFetch(replicas, call.request).then(
        (response) => callback(null, response),
        (error: unknown) => callback(null, { error: { code: toQuillError(error).code, message: toQuillError(error).message } }),
      );
    },
    ReplicaFetchStream: (call: ServerDuplexStream<ReplicaFetchRequest__Output, ReplicaFetchResponse>) => {
      const session = new FetchStreamSession({
        resolve: (topicId, index) => safePartition(replicas, topicId, index),
        hosts: (partition) => replicas.hosts(partition),
        onChange: (key, listener) => replicas.onChange(key, listener),
      });
      call.on('close', () => session.close());
      // One fetch at a time: a follower waits for each answer, and the session serves one fetch.
      serveInOrder(call, (request) => streamFetch(replicas, session, request, fullVisitIntervalMs), {
        maxPending: 1,
        failed: (error) => ({ error: { code: toQuillError(error).code, message: toQuillError(error).message } }),
      });
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

/** One partition of a follower's fetch: its records from `fetchOffset`, or why not. */
function readPartition(replicas: ReplicaManager, replicaId: number, topicId: string, p: ReplicaFetchPartition__Output): ReplicaFetchPartitionResponse {
  try {
    const { partition } = replicas.byTopicId(topicId, p.partition);
    const fenced = partition.checkLeaderEpoch(p.currentLeaderEpoch);
    if (fenced !== undefined) throw fenced;
    const result = partition.readForFollower(replicaId, p.fetchOffset, p.lastFetchedEpoch, p.flushedOffset, p.partitionMaxBytes);
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
    const partition = safePartition(replicas, topicId, p.partition);
    return { partition: p.partition, errorCode: quill.code, errorMessage: quill.message, highWatermark: -1, logStartOffset: partition?.log.logStartOffset ?? -1 };
  }
}

/** Records, a divergence or an error for some partition: answer now rather than long-poll. */
function hasNews(response: ReplicaFetchResponse): boolean {
  return (response.topics ?? []).some((t) => (t.partitions ?? []).some((p) => (p.records?.length ?? 0) > 0 || p.divergingEpoch !== undefined || p.errorCode !== 'NONE'));
}

/** A unary follower fetch: every partition it names, long-polling while none has news. */
async function replicaFetch(replicas: ReplicaManager, request: ReplicaFetchRequest__Output): Promise<ReplicaFetchResponse> {
  const read = (): ReplicaFetchResponse => ({
    topics: request.topics.map((topic) => ({
      topicId: topic.topicId,
      partitions: topic.partitions.map((p) => readPartition(replicas, request.replicaId, topic.topicId, p)),
    })),
  });
  const first = read();
  if (hasNews(first) || request.maxWaitMs <= 0) return first;
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

/**
 * A fetch on a ReplicaFetchStream: of the session's partitions it reads only those the request
 * named or that changed since the last fetch (all of them once a second). A caught-up partition
 * with nothing new costs a few field reads; the follower is still caught up.
 */
async function streamFetch(
  replicas: ReplicaManager,
  session: FetchStreamSession,
  request: ReplicaFetchRequest__Output,
  fullVisitIntervalMs: number,
): Promise<ReplicaFetchResponse> {
  const named = session.update(request);
  const read = (): ReplicaFetchResponse => {
    const byTopic = new Map<string, ReplicaFetchPartitionResponse[]>();
    const { entries } = session.takeVisits(performance.now(), fullVisitIntervalMs);
    for (const entry of entries) {
      const partition = session.leaderReplica(entry);
      if (!named.has(entry) && partition !== undefined && partition.log.logEndOffset <= entry.fetch.fetchOffset && FetchStreamSession.toldCurrent(entry, partition)) {
        partition.followerStillCaughtUp(request.replicaId, entry.fetch.fetchOffset, entry.fetch.flushedOffset);
        continue;
      }
      let answers = byTopic.get(entry.topicId);
      if (answers === undefined) byTopic.set(entry.topicId, (answers = []));
      answers.push(readPartition(replicas, request.replicaId, entry.topicId, entry.fetch));
    }
    // Named partitions were read (their fetch state recorded) once; what is left is news.
    named.clear();
    // Only what the follower has not been told: a repeated error must not end the long poll.
    return session.trim({ topics: [...byTopic].map(([topicId, partitions]) => ({ topicId, partitions })) });
  };
  const first = read();
  if (hasNews(first) || request.maxWaitMs <= 0) return first;
  await session.waitForData(request.maxWaitMs);
  const second = read();
  // What only the first read found (a new high watermark, say) is still to be told.
  const answered = new Set((second.topics ?? []).flatMap((t) => (t.partitions ?? []).map((p) => `${t.topicId}/${p.partition}`)));
  const earlier = (first.topics ?? [])
    .map((t) => ({ ...t, partitions: (t.partitions ?? []).filter((p) => !answered.has(`${t.topicId}/${p.partition}`)) }))
    .filter((t) => t.partitions.length > 0);
  return { topics: [...earlier, ...(second.topics ?? [])] };
}

function safePartition(replicas: ReplicaManager, topicId: string, index: number) {
  try {
    return replicas.byTopicId(topicId, index).partition;
  } catch {
    return undefined;
  }
}
