import { ErrorCode, QuillError, errorInfo, type AlterPartitionReassignmentsResponse__Output } from '@quill/proto';
import type { AlterPartitionReassignmentsOptions, ListPartitionReassignmentsResult } from './reassignment-types.js';

/** The wire request of alterPartitionReassignments; bad shapes are refused before anything is sent. */
export function reassignmentRequestTopics(options: AlterPartitionReassignmentsOptions): Array<{ name: string; partitions: Array<{ partition: number; replicas: { brokerIds: number[] } | null }> }> {
  return options.topics.map(({ topic, partitionAssignment }) => ({
    name: topic,
    partitions: partitionAssignment.map(({ partition, replicas }) => {
      if (!Number.isSafeInteger(partition) || partition < 0) throw new QuillError(ErrorCode.INVALID_REQUEST, `invalid partition ${partition} of topic "${topic}"`);
      const bad = replicas?.find((id) => !Number.isSafeInteger(id) || id < 0);
      if (bad !== undefined) throw new QuillError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `${topic}/${partition}: invalid broker id ${bad}`);
      return { partition, replicas: replicas === null ? null : { brokerIds: [...replicas] } };
    }),
  }));
}

/**
 * Throws the first partition's refusal (the controller moves all of a request or none, so the
 * first refusal names what was wrong; the others say OPERATION_NOT_ATTEMPTED).
 */
export function throwReassignmentRefusal(response: AlterPartitionReassignmentsResponse__Output): void {
  const results = response.topics.flatMap((t) => t.partitions.map((p) => ({ where: `${t.name}/${p.partition}`, code: errorInfo(p.errorCode).name, message: p.errorMessage })));
  const refusal = results.find((r) => r.code !== ErrorCode.NONE && r.code !== ErrorCode.OPERATION_NOT_ATTEMPTED) ?? results.find((r) => r.code !== ErrorCode.NONE);
  if (refusal !== undefined) throw new QuillError(refusal.code, refusal.message || `${refusal.where}: ${refusal.code}`);
}

export function ongoingReassignments(response: {
  topics: Array<{ name: string; partitions: Array<{ partition: number; replicas: number[]; addingReplicas: number[]; removingReplicas: number[] }> }>;
}): ListPartitionReassignmentsResult {
  return {
    topics: response.topics.map((t) => ({
      topic: t.name,
      partitions: t.partitions.map((p) => ({ partition: p.partition, replicas: [...p.replicas], addingReplicas: [...p.addingReplicas], removingReplicas: [...p.removingReplicas] })),
    })),
  };
}
