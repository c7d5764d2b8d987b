import type { ReplicaFetchPartition__Output, ReplicaFetchPartitionResponse, ReplicaFetchResponse } from '@quill/proto';
import { toQuillError } from '../../errors.js';
import { preciseNowMs } from '../../latency/latency-stages.js';
import type { ReplicaManager } from '../../replica-manager/replica-manager.js';

/** One partition of a follower's fetch: its records from `fetchOffset`, or why not. */
export function readPartition(replicas: ReplicaManager, replicaId: number, topicId: string, p: ReplicaFetchPartition__Output): ReplicaFetchPartitionResponse {
  try {
    const { partition } = replicas.byTopicId(topicId, p.partition);
    const fenced = partition.checkLeaderEpoch(p.currentLeaderEpoch);
    if (fenced !== undefined) throw fenced;
    const nowMs = preciseNowMs();
    const roundTripMs = replicas.followerRoundTrips.reported(partition, replicaId, p.flushedOffset, nowMs);
    if (roundTripMs !== undefined) replicas.latency.observe('follower_round_trip', roundTripMs / 1000);
    const result = partition.readForFollower(replicaId, p.fetchOffset, p.lastFetchedEpoch, p.flushedOffset, p.partitionMaxBytes, p.logStartOffset);
    if (result.records.length > 0) replicas.followerRoundTrips.sent(partition, replicaId, result.records, nowMs);
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
    const partition = hostedPartition(replicas, topicId, p.partition);
    return { partition: p.partition, errorCode: quill.code, errorMessage: quill.message, highWatermark: -1, logStartOffset: partition?.log.logStartOffset ?? -1 };
  }
}

/** Records, a divergence or an error for some partition: answer now rather than long-poll. */
export function hasNews(response: ReplicaFetchResponse): boolean {
  return (response.topics ?? []).some((t) => (t.partitions ?? []).some((p) => (p.records?.length ?? 0) > 0 || p.divergingEpoch !== undefined || p.errorCode !== 'NONE'));
}

/** This broker's replica of a partition, or undefined when it hosts none. */
export function hostedPartition(replicas: ReplicaManager, topicId: string, index: number) {
  try {
    return replicas.byTopicId(topicId, index).partition;
  } catch {
    return undefined;
  }
}
