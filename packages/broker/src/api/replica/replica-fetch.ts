import type { ReplicaFetchRequest__Output, ReplicaFetchResponse, ReplicaHandlers } from '@quill/proto';
import type { ReplicaManager } from '../../replica-manager/replica-manager.js';
import { unary } from '../unary.js';
import { hasNews, hostedPartition, readPartition } from './read-partition.js';

/** ReplicaFetch, one request per call: a follower's fetch, which also reports its position for the ISR and high watermark. */
export function replicaFetchHandler(replicas: ReplicaManager): ReplicaHandlers['ReplicaFetch'] {
  return unary((call) => replicaFetch(replicas, call.request));
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
      const partition = hostedPartition(replicas, topic.topicId, p.partition);
      if (partition === undefined) continue;
      keys.push(partition.key);
      waiting.push(() => partition.log.logEndOffset > p.fetchOffset || !partition.isLeader);
    }
  }
  await replicas.waitForData(keys, () => waiting.some((w) => w()), request.maxWaitMs);
  return read();
}
