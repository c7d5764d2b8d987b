import type { Record as BatchRecord } from '@quill/records';
import type { ConsumedMessage, ReceivedHeaders, ReceivedMessage } from './types.js';

/** A decoded record as the message a handler receives. */
export function toReceivedMessage(record: BatchRecord): ReceivedMessage {
  return { offset: record.offset, key: record.key, value: record.value, headers: receivedHeaders(record), timestamp: record.timestamp };
}

/** Built in one go (not a ReceivedMessage spread with the partition): one object per message. */
export function toConsumedMessage(record: BatchRecord, topic: string, partition: number): ConsumedMessage {
  return { offset: record.offset, key: record.key, value: record.value, headers: receivedHeaders(record), timestamp: record.timestamp, topic, partition };
}

/** The headers of every message without any: one shared, frozen object instead of one per message. */
const NO_HEADERS: ReceivedHeaders = Object.freeze({});

function receivedHeaders(record: BatchRecord): ReceivedHeaders {
  if (record.headers.length === 0) return NO_HEADERS;
  const headers: ReceivedHeaders = {};
  for (const { key, value } of record.headers) {
    const existing = headers[key];
    if (existing === undefined) headers[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else headers[key] = [existing, value];
  }
  return headers;
}
