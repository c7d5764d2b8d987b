import { topicByName, type MetadataState } from '@quill/metadata';
import type { QuillError } from '@quill/proto';
import { brokerError } from '../../errors.js';

/** A per-partition answer's flat error fields (NONE when there is no error). */
export const codeOf = (error: QuillError | undefined) => ({ errorCode: error?.code ?? ('NONE' as const), errorMessage: error?.message ?? '' });

/** Why this broker has no replica of a partition: the topic is unknown, or another broker hosts it. */
export function unknownPartition(state: MetadataState | undefined, topic: string, index: number): QuillError {
  const exists = state !== undefined && topicByName(state, topic) !== undefined;
  return exists
    ? brokerError('NOT_LEADER_OR_FOLLOWER', `This broker hosts no replica of ${topic}-${index}.`)
    : brokerError('UNKNOWN_TOPIC_OR_PARTITION', `Topic-partition ${topic}-${index} does not exist.`);
}
