import type { ReplicaHandlers } from '@quill/proto';
import { toQuillError } from '../../errors.js';
import type { ReplicaManager } from '../../replica-manager/replica-manager.js';
import { unary } from '../unary.js';

/** OffsetForLeaderEpoch: where the leader's log for a follower's last epoch ends, so the follower can truncate. */
export function offsetForLeaderEpochHandler(replicas: ReplicaManager): ReplicaHandlers['OffsetForLeaderEpoch'] {
  return unary((call) => ({
    topics: call.request.topics.map((topic) => ({
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
    })),
  }));
}
