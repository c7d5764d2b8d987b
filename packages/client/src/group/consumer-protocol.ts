import { ErrorCode, QuillError, errorMessage, loadQuillPackage } from '@quill/proto';
import type { TopicPartition } from '../topic-partition.js';

/** The protocol type of consumer groups in JoinGroup (Kafka's "consumer"). */
export const CONSUMER_PROTOCOL_TYPE = 'consumer';

/** A member's subscription as carried in JoinGroup metadata (proto ConsumerSubscription). */
export interface Subscription {
  topics: string[];
  /** Partitions the member owns now (cooperative rebalancing keeps them in place). */
  ownedPartitions: TopicPartition[];
  /** The generation the owned partitions were assigned in; -1 when unknown. */
  generationId: number;
  userData: Buffer;
}

/** A member's assignment as carried in SyncGroup (proto ConsumerAssignment). */
export interface MemberAssignment {
  partitions: TopicPartition[];
  userData: Buffer;
}

function messages() {
  return loadQuillPackage().quill.v1;
}

function group(partitions: readonly TopicPartition[]): Array<{ topic: string; partitions: number[] }> {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of partitions) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
  return [...byTopic].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([topic, list]) => ({
    topic,
    partitions: list.sort((a, b) => a - b),
  }));
}

function flatten(groups: ReadonlyArray<{ topic: string; partitions: number[] }>): TopicPartition[] {
  return groups.flatMap(({ topic, partitions }) => partitions.map((partition) => ({ topic, partition })));
}

function decodeFailure(what: string, error: unknown): QuillError {
  return new QuillError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `cannot decode a consumer ${what}: ${errorMessage(error)}`, { cause: error });
}

/** Encodes a subscription for JoinGroupProtocol.metadata. */
export function encodeSubscription(subscription: Subscription): Buffer {
  return messages().ConsumerSubscription.serialize({
    topics: subscription.topics,
    userData: subscription.userData,
    ownedPartitions: group(subscription.ownedPartitions),
    generationId: subscription.generationId,
  });
}

/** Decodes JoinGroup member metadata. Throws INCONSISTENT_GROUP_PROTOCOL on bytes that are not a subscription. */
export function decodeSubscription(bytes: Buffer): Subscription {
  try {
    const decoded = messages().ConsumerSubscription.deserialize(bytes);
    return {
      topics: decoded.topics,
      ownedPartitions: flatten(decoded.ownedPartitions),
      generationId: decoded.generationId,
      userData: decoded.userData,
    };
  } catch (error) {
    throw decodeFailure('subscription', error);
  }
}

/** Encodes an assignment for SyncGroupAssignment.assignment. */
export function encodeAssignment(assignment: MemberAssignment): Buffer {
  return messages().ConsumerAssignment.serialize({ partitions: group(assignment.partitions), userData: assignment.userData });
}

/** Decodes a SyncGroup (or DescribeGroups) assignment; empty bytes are an empty assignment. */
export function decodeAssignment(bytes: Buffer): MemberAssignment {
  try {
    const decoded = messages().ConsumerAssignment.deserialize(bytes);
    return { partitions: flatten(decoded.partitions), userData: decoded.userData };
  } catch (error) {
    throw decodeFailure('assignment', error);
  }
}
