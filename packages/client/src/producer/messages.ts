import { ErrorCode, QuillError } from '@quill/proto';
import type { RecordInput } from '@quill/records';
import type { Acks, Message, MessageHeaders, TopicMessages } from './types.js';

const ACKS: ReadonlySet<number> = new Set([-1, 0, 1]);

function isBytes(value: unknown): boolean {
  return value === null || typeof value === 'string' || Buffer.isBuffer(value);
}

function validHeaders(headers: MessageHeaders): boolean {
  if (typeof headers !== 'object' || headers === null) return false;
  for (const value of Object.values(headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value) ? !value.every(isBytes) : !isBytes(value)) return false;
  }
  return true;
}

/** Checks what types cannot: acks, timeout, topics and values. Throws a non-retriable QuillError. */
export function validateSend(acks: Acks, timeoutMs: number, topicMessages: readonly TopicMessages[]): void {
  if (!ACKS.has(acks)) {
    throw new QuillError(ErrorCode.INVALID_REQUIRED_ACKS, `acks must be -1 (all), 0 or 1, got ${String(acks)}`);
  }
  if (!Number.isInteger(timeoutMs) || timeoutMs < 0) {
    throw new QuillError(ErrorCode.INVALID_REQUEST, `timeout must be a non-negative integer (ms), got ${timeoutMs}`);
  }
  if (!Array.isArray(topicMessages) || topicMessages.length === 0) {
    throw new QuillError(ErrorCode.INVALID_REQUEST, 'nothing to send: topicMessages is empty');
  }
  for (const { topic, messages } of topicMessages) {
    if (typeof topic !== 'string' || topic === '') {
      throw new QuillError(ErrorCode.INVALID_TOPIC_EXCEPTION, `invalid topic name ${JSON.stringify(topic)}`);
    }
    if (!Array.isArray(messages) || messages.length === 0) {
      throw new QuillError(ErrorCode.INVALID_REQUEST, `no messages to send to topic "${topic}"`);
    }
    messages.forEach((message, index) => {
      if (message.value === undefined) {
        throw new QuillError(ErrorCode.INVALID_RECORD, `message ${index} for topic "${topic}" has no value (use null for a tombstone)`);
      }
      // Records are encoded as they are appended: a value of another type must fail here, alone.
      if (!isBytes(message.value) || (message.key !== undefined && !isBytes(message.key))) {
        throw new QuillError(ErrorCode.INVALID_RECORD, `message ${index} for topic "${topic}": key and value must be a Buffer, a string or null`);
      }
      if (message.headers !== undefined && !validHeaders(message.headers)) {
        throw new QuillError(ErrorCode.INVALID_RECORD, `message ${index} for topic "${topic}": header values must be a Buffer, a string, null or an array of those`);
      }
      const partition = message.partition;
      if (partition !== undefined && (!Number.isInteger(partition) || partition < 0)) {
        throw new QuillError(ErrorCode.INVALID_REQUEST, `message ${index} for topic "${topic}" has partition ${partition}`);
      }
    });
  }
}

function toRecordHeaders(headers: MessageHeaders | undefined): RecordInput['headers'] {
  if (!headers) return undefined;
  const out: Array<{ key: string; value: Buffer | string | null }> = [];
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) out.push({ key, value: v });
    else out.push({ key, value });
  }
  return out;
}

function toTimestamp(timestamp: number | string | undefined, now: number): number {
  if (timestamp === undefined) return now;
  const value = typeof timestamp === 'string' ? Number(timestamp) : timestamp;
  if (!Number.isSafeInteger(value)) {
    throw new QuillError(ErrorCode.INVALID_TIMESTAMP, `timestamp ${String(timestamp)} is not an integer of ms`);
  }
  return value;
}

/** A message as the record codec takes it; `now` is its timestamp unless it has one. */
export function toRecordInput(message: Message, now: number): RecordInput {
  return {
    key: message.key ?? null,
    value: message.value,
    headers: toRecordHeaders(message.headers),
    timestamp: toTimestamp(message.timestamp, now),
  };
}
