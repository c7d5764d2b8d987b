import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { ReplicaFetchPartitionResponse, ReplicaFetchRequest__Output, ReplicaFetchResponse, ReplicaHandlers } from '@quill/proto';
import type { ReplicaManager } from '../../replica-manager/replica-manager.js';
import { FetchStreamSession } from '../fetch-stream-session.js';
import { serveInOrder } from '../in-order-stream.js';
import { errorResponse } from '../unary.js';
import { preciseNowMs } from '../../latency/latency-stages.js';
import { hasNews, hostedPartition, readPartition } from './read-partition.js';

/** ReplicaFetchStream: a follower's fetches on one long-lived stream, served by a session that remembers what it was told. */
export function replicaFetchStreamHandler(replicas: ReplicaManager, fullVisitIntervalMs: number): ReplicaHandlers['ReplicaFetchStream'] {
  return (call: ServerDuplexStream<ReplicaFetchRequest__Output, ReplicaFetchResponse>) => {
    const session = new FetchStreamSession({
      resolve: (topicId, index) => hostedPartition(replicas, topicId, index),
      hosts: (partition) => replicas.hosts(partition),
      onChange: (key, listener) => replicas.onChange(key, listener),
    });
    call.on('close', () => session.close());
    // One fetch at a time: a follower waits for each answer, and the session serves one fetch.
    serveInOrder(call, (request) => streamFetch(replicas, session, request, fullVisitIntervalMs), { maxPending: 1, failed: errorResponse });
  };
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
  const waitedFromMs = preciseNowMs();
  await session.waitForData(request.maxWaitMs);
  const second = read();
  observeWakeup(replicas, second, waitedFromMs);
  // What only the first read found (a new high watermark, say) is still to be told.
  const answered = new Set((second.topics ?? []).flatMap((t) => (t.partitions ?? []).map((p) => `${t.topicId}/${p.partition}`)));
  const earlier = (first.topics ?? [])
    .map((t) => ({ ...t, partitions: (t.partitions ?? []).filter((p) => !answered.has(`${t.topicId}/${p.partition}`)) }))
    .filter((t) => t.partitions.length > 0);
  return { topics: [...earlier, ...(second.topics ?? [])] };
}

/** A held fetch answered with records appended while it waited: how long after the first such append it answered. */
function observeWakeup(replicas: ReplicaManager, response: ReplicaFetchResponse, waitedFromMs: number): void {
  let firstAppendMs = Number.POSITIVE_INFINITY;
  for (const topic of response.topics ?? []) {
    for (const p of topic.partitions ?? []) {
      if ((p.records?.length ?? 0) === 0) continue;
      const partition = hostedPartition(replicas, topic.topicId ?? '', p.partition ?? 0);
      const appendedAt = partition === undefined ? undefined : replicas.lastAppendedAt(partition);
      if (appendedAt !== undefined && appendedAt >= waitedFromMs) firstAppendMs = Math.min(firstAppendMs, appendedAt);
    }
  }
  if (Number.isFinite(firstAppendMs)) replicas.latency.observe('follower_fetch_wakeup', (preciseNowMs() - firstAppendMs) / 1000);
}
