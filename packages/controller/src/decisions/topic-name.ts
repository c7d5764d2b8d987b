// Topic name rules, as Kafka has them (org.apache.kafka.common.internals.Topic): the name
// becomes a directory name and a metric name, hence the small alphabet and the length limit.
import { ErrorCode } from '@quill/proto';
import { reject, type Rejected } from './decision.js';

/** Kafka's limit: 255 bytes of file name less room for the partition suffix. */
export const TOPIC_NAME_LENGTH_MAX = 249;

const LEGAL_TOPIC_NAME = /^[a-zA-Z0-9._-]+$/;

/** Undefined when `name` is a legal topic name; otherwise the refusal. */
export function checkTopicName(name: string): Rejected | undefined {
  if (name.length === 0) return reject(ErrorCode.INVALID_TOPIC_EXCEPTION, 'Topic name is illegal, it can\'t be empty.');
  if (name === '.' || name === '..') return reject(ErrorCode.INVALID_TOPIC_EXCEPTION, 'Topic name cannot be "." or "..".');
  if (name.length > TOPIC_NAME_LENGTH_MAX) {
    return reject(
      ErrorCode.INVALID_TOPIC_EXCEPTION,
      `Topic name is illegal, it can't be longer than ${TOPIC_NAME_LENGTH_MAX} characters (it has ${name.length}).`,
    );
  }
  if (!LEGAL_TOPIC_NAME.test(name)) {
    return reject(
      ErrorCode.INVALID_TOPIC_EXCEPTION,
      `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'.`,
    );
  }
  return undefined;
}

/**
 * Metric names replace '.' with '_', so "a.b" and "a_b" would share metrics: Kafka refuses to
 * create one when the other exists. Two names collide when they differ but map to the same key.
 */
export function topicCollisionKey(name: string): string {
  return name.replaceAll('.', '_');
}

/** The existing topic `name` would collide with, if any. */
export function collidingTopic(name: string, existingNames: Iterable<string>): string | undefined {
  const key = topicCollisionKey(name);
  if (key === name && !name.includes('_')) return undefined;
  for (const existing of existingNames) {
    if (existing !== name && topicCollisionKey(existing) === key) return existing;
  }
  return undefined;
}
