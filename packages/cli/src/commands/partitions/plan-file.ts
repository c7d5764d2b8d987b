// Kafka's reassignment plan JSON (kafka-reassign-partitions.sh), read and written:
//   {"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[2,3,4],"log_dirs":["any","any","any"]}]}
// log_dirs is accepted when every entry is "any" (Quill brokers have one log directory).
import { QuillError } from '@quill/client';

export interface PlanEntry {
  readonly topic: string;
  readonly partition: number;
  readonly replicas: readonly number[];
}

function malformed(detail: string): QuillError {
  return new QuillError('INVALID_REQUEST', `The plan is malformed: ${detail}.`);
}

/** The entries of a plan file's text; a malformed file, or one naming a partition twice, is refused. */
export function parsePlan(text: string): PlanEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw malformed(`not JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw malformed('expected an object with "version" and "partitions"');
  const { version, partitions } = parsed as { version?: unknown; partitions?: unknown };
  if (version !== undefined && version !== 1) throw malformed(`version ${JSON.stringify(version)} (only 1 is known)`);
  if (!Array.isArray(partitions)) throw malformed('"partitions" must be a list');
  if (partitions.length === 0) throw malformed('"partitions" is empty');
  const seen = new Set<string>();
  return partitions.map((entry: unknown, i) => {
    const where = `partitions[${i}]`;
    if (typeof entry !== 'object' || entry === null) throw malformed(`${where} is not an object`);
    const { topic, partition, replicas, log_dirs: logDirs } = entry as Record<string, unknown>;
    if (typeof topic !== 'string' || topic === '') throw malformed(`${where}.topic must be a topic name`);
    if (!Number.isSafeInteger(partition) || (partition as number) < 0) throw malformed(`${where}.partition must be a partition number`);
    if (!Array.isArray(replicas) || replicas.some((b) => !Number.isSafeInteger(b) || (b as number) < 0)) {
      throw malformed(`${where}.replicas must be a list of broker ids`);
    }
    if (logDirs !== undefined && (!Array.isArray(logDirs) || logDirs.some((d) => d !== 'any'))) {
      throw malformed(`${where}.log_dirs: only "any" is supported (a broker has one log directory)`);
    }
    const key = `${topic}/${String(partition)}`;
    if (seen.has(key)) throw malformed(`${key} is named twice`);
    seen.add(key);
    return { topic, partition: partition as number, replicas: replicas as number[] };
  });
}

/** A plan file's text for these entries. */
export function formatPlan(entries: readonly PlanEntry[]): string {
  return JSON.stringify({
    version: 1,
    partitions: entries.map((e) => ({ topic: e.topic, partition: e.partition, replicas: e.replicas, log_dirs: e.replicas.map(() => 'any') })),
  });
}
