import { QuillError } from '@quill/client';
import type { ConsoleLimits } from './console-config.js';

/** Where a browse starts in one partition: an offset, or the first record at or after a time. */
export type BrowseStart = { offset: number } | { timestamp: number };

export interface BrowseRequest {
  topic: string;
  partition: number;
  start: BrowseStart;
  limit: number;
}

/** Reads a browse from the query string (topic, partition, offset or timestamp, limit); offset 0 when neither is given. */
export function parseBrowseRequest(query: URLSearchParams, limits: ConsoleLimits): BrowseRequest {
  const topic = query.get('topic');
  if (topic === null || topic === '') throw new QuillError('INVALID_REQUEST', 'topic is required.');
  const partition = integerParam(query, 'partition', 0);
  const limit = Math.min(integerParam(query, 'limit', limits.defaultBrowseMessages), limits.maxBrowseMessages);
  if (limit < 1) throw new QuillError('INVALID_REQUEST', 'limit must be at least 1.');
  if (query.has('offset') && query.has('timestamp')) throw new QuillError('INVALID_REQUEST', 'give an offset or a timestamp, not both.');
  const start: BrowseStart = query.has('timestamp') ? { timestamp: integerParam(query, 'timestamp', 0) } : { offset: integerParam(query, 'offset', 0) };
  return { topic, partition, start, limit };
}

function integerParam(query: URLSearchParams, name: string, fallback: number): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new QuillError('INVALID_REQUEST', `${name} must be a whole number ≥ 0, got '${raw}'.`);
  return value;
}
