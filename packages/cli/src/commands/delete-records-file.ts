import { QuillError } from '@quill/client';

/** One partition of a `topics delete-records` request: records below `offset` go (-1: up to the high watermark). */
export interface RecordsToDelete {
  topic: string;
  partition: number;
  offset: number;
}

/**
 * Parses Kafka's kafka-delete-records offset file: `{"partitions":[{"topic":"t","partition":0,"offset":5}],"version":1}`.
 * Refuses a malformed file, a partition named twice and an offset below -1, before anything is deleted.
 */
export function parseOffsetJson(text: string): RecordsToDelete[] {
  const bad = (why: string) => new QuillError('INVALID_CONFIG', `The offset JSON file is invalid: ${why}.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw bad((error as Error).message);
  }
  const partitions = (parsed as { partitions?: unknown } | null)?.partitions;
  if (!Array.isArray(partitions) || partitions.length === 0) throw bad('it needs a non-empty "partitions" list');
  const seen = new Set<string>();
  return partitions.map((entry: unknown, i) => {
    const { topic, partition, offset } = (entry ?? {}) as Record<string, unknown>;
    if (typeof topic !== 'string' || topic === '') throw bad(`partitions[${i}] has no "topic"`);
    if (!Number.isSafeInteger(partition) || (partition as number) < 0) throw bad(`partitions[${i}] has no valid "partition"`);
    if (!Number.isSafeInteger(offset) || (offset as number) < -1) throw bad(`partitions[${i}] has no valid "offset" (-1 or more)`);
    const key = `${topic}-${String(partition)}`;
    if (seen.has(key)) throw bad(`${key} is listed twice`);
    seen.add(key);
    return { topic, partition: partition as number, offset: offset as number };
  });
}
