// DeleteTopics, by name or by id (an id is safe against a concurrent delete-and-recreate).
import { ErrorCode } from '@quill/proto';
import { type MetadataState, removeTopicRecord, topicById, topicByName } from '@quill/metadata';
import { accept, reject, type Decision } from './decision.js';

export type TopicReference = { readonly name: string } | { readonly topicId: string };

export interface DeletedTopic {
  readonly name: string;
  readonly topicId: string;
}

/** One RemoveTopicRecord: the reducer drops the partitions and the topic's configs with it. */
export function deleteTopic(state: MetadataState, target: TopicReference): Decision<DeletedTopic> {
  const topic = 'name' in target ? topicByName(state, target.name) : topicById(state, target.topicId);
  if (topic === undefined) {
    return 'name' in target
      ? reject(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${target.name}' does not exist.`)
      : reject(ErrorCode.UNKNOWN_TOPIC_ID, `No topic has id ${target.topicId}.`);
  }
  return accept([removeTopicRecord(topic.topicId)], { name: topic.name, topicId: topic.topicId });
}
