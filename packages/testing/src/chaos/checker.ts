import { CHURN_FINAL_READER, type HistoryEvent } from './history.js';

/** Examples kept per anomaly kind: enough to investigate, bounded for long runs. */
export const ANOMALY_EXAMPLES_MAX = 20;

export interface PartitionOffset {
  topic: string;
  partition: number;
  offset: number;
}

/** The anomalies Jepsen reports for Kafka-like logs, with examples of each. */
export interface Anomalies {
  /** Acknowledged writes missing from the final read (from any read, without a final read). */
  lost: Array<{ value: string } & PartitionOffset>;
  /** Values read at more than one offset. */
  duplicates: Array<{ value: string; at: PartitionOffset[] }>;
  /** Offsets holding different values for different observers (readers, or a reader and the ack). */
  inconsistentOffsets: Array<PartitionOffset & { values: string[] }>;
  /** A consumer read an offset at or before one it had already read in that partition. */
  nonMonotonicPolls: Array<{ process: string; topic: string; partition: number; previous: number; offset: number }>;
  /** A consumer jumped over offsets that exist (someone read or was acknowledged there). */
  skippedPolls: Array<{ process: string; topic: string; partition: number; previous: number; offset: number; skipped: number }>;
  /** A writer's later acknowledged write sits before its earlier one in the same partition. */
  orderViolations: Array<{ process: string; topic: string; partition: number; earlier: string; earlierOffset: number; later: string; laterOffset: number }>;
  /** Writes reported definitely failed that were read anyway. */
  failedButRead: Array<{ value: string } & PartitionOffset>;
  /**
   * A re-created topic served a record of an earlier incarnation: a reader that had already read
   * incarnation `after` (or the final read, after the last re-creation) read one of `incarnation`.
   */
  staleIncarnationReads: Array<{ process: string; value: string; incarnation: number; after: number } & PartitionOffset>;
}

export interface CheckResult {
  acknowledged: number;
  /** Sends that ended in a timeout or an ambiguous error (may or may not be in the log). */
  indeterminate: number;
  failed: number;
  /** Distinct values read by any consumer. */
  valuesRead: number;
  lost: number;
  duplicates: number;
  inconsistentOffsets: number;
  nonMonotonicPolls: number;
  skippedPolls: number;
  orderViolations: number;
  failedButRead: number;
  staleIncarnationReads: number;
  /** Longest stretch of the workload with no acknowledged write. */
  longestUnavailableMs: number;
  unavailableWindow: { from: number; to: number };
  /** True when no anomaly of any kind was found. */
  ok: boolean;
  examples: Anomalies;
}

export interface CheckOptions {
  /** When the workload started and stopped sending (history time), for the unavailable windows. */
  workloadStart: number;
  workloadEnd: number;
  /**
   * The reader that read every partition from the start after healing: an acknowledged write
   * must be in what it read, even if another reader saw it before a crash took it away.
   * Default 'final'; without its polls, any read counts.
   */
  finalReader?: string;
  /**
   * The final read ran to every high watermark: only what it read survived, even when it read
   * nothing (a power loss that emptied every partition must not fall back to earlier reads).
   */
  finalReadDone?: boolean;
}

/** Checks a history (pure: the same history always gives the same result). */
export function checkHistory(events: readonly HistoryEvent[], options: CheckOptions): CheckResult {
  const sends = collectSends(events);
  const reads = collectReads(events);
  const examples: Anomalies = {
    lost: [],
    duplicates: [],
    inconsistentOffsets: [],
    nonMonotonicPolls: [],
    skippedPolls: [],
    orderViolations: [],
    failedButRead: [],
    staleIncarnationReads: [],
  };
  const counts = {
    lost: 0,
    duplicates: 0,
    inconsistentOffsets: 0,
    nonMonotonicPolls: 0,
    skippedPolls: 0,
    orderViolations: 0,
    failedButRead: 0,
    staleIncarnationReads: 0,
  };
  const note = <K extends keyof Anomalies>(kind: K, example: Anomalies[K][number]): void => {
    counts[kind]++;
    if (examples[kind].length < ANOMALY_EXAMPLES_MAX) (examples[kind] as Array<Anomalies[K][number]>).push(example);
  };

  // Where each value was read, and every value observed at each offset (reads and acks).
  const readAt = new Map<string, PartitionOffset[]>();
  const valuesAt = new Map<string, Set<string>>();
  const observe = (topic: string, partition: number, offset: number, value: string): void => {
    const key = offsetKey({ topic, partition, offset });
    let values = valuesAt.get(key);
    if (values === undefined) valuesAt.set(key, (values = new Set()));
    values.add(value);
  };
  for (const read of reads) {
    observe(read.topic, read.partition, read.offset, read.value);
    const places = readAt.get(read.value) ?? [];
    if (!places.some((p) => p.topic === read.topic && p.partition === read.partition && p.offset === read.offset)) places.push({ topic: read.topic, partition: read.partition, offset: read.offset });
    readAt.set(read.value, places);
  }
  for (const ack of sends.acknowledged) observe(ack.topic, ack.partition, ack.offset, ack.value);

  const finalReader = options.finalReader ?? 'final';
  const finalValues = new Set(reads.filter((r) => r.process === finalReader).map((r) => r.value));
  const survived = (value: string): boolean => (finalValues.size > 0 || options.finalReadDone === true ? finalValues.has(value) : readAt.has(value));
  for (const ack of sends.acknowledged) {
    if (!survived(ack.value)) note('lost', { value: ack.value, topic: ack.topic, partition: ack.partition, offset: ack.offset });
  }
  for (const [value, places] of readAt) {
    if (places.length > 1) note('duplicates', { value, at: [...places].sort(byPartitionOffset) });
  }
  for (const [key, values] of [...valuesAt].sort(([a], [b]) => compareOffsetKeys(a, b))) {
    if (values.size > 1) note('inconsistentOffsets', { ...parseOffsetKey(key), values: [...values].sort() });
  }
  for (const value of sends.failed) {
    const place = readAt.get(value)?.[0];
    if (place !== undefined) note('failedButRead', { value, ...place });
  }
  checkPolls(reads, valuesAt, note);
  checkOrder(sends.acknowledgedByWriter, note);
  checkIncarnations(events, CHURN_FINAL_READER, note);

  const unavailable = longestGap(
    sends.acknowledged.map((a) => a.time),
    options.workloadStart,
    options.workloadEnd,
  );
  return {
    acknowledged: sends.acknowledged.length,
    indeterminate: sends.indeterminate,
    failed: sends.failed.length,
    valuesRead: readAt.size,
    ...counts,
    longestUnavailableMs: unavailable.to - unavailable.from,
    unavailableWindow: unavailable,
    ok: Object.values(counts).every((n) => n === 0),
    examples,
  };
}

interface Ack extends PartitionOffset {
  value: string;
  time: number;
}

interface Read extends PartitionOffset {
  process: string;
  value: string;
}

function collectSends(events: readonly HistoryEvent[]): {
  acknowledged: Ack[];
  acknowledgedByWriter: Map<string, Ack[]>;
  failed: string[];
  indeterminate: number;
} {
  const acknowledged: Ack[] = [];
  const acknowledgedByWriter = new Map<string, Ack[]>();
  const failed: string[] = [];
  let indeterminate = 0;
  for (const event of events) {
    if (event.type === 'ok') {
      const ack = { value: event.value, topic: event.topic, partition: event.partition, offset: event.offset, time: event.time };
      acknowledged.push(ack);
      // Writers send one value at a time, so completion order is the writer's own order.
      const list = acknowledgedByWriter.get(event.process) ?? [];
      list.push(ack);
      acknowledgedByWriter.set(event.process, list);
    } else if (event.type === 'fail') failed.push(event.value);
    else if (event.type === 'info') indeterminate++;
  }
  return { acknowledged, acknowledgedByWriter, failed, indeterminate };
}

function collectReads(events: readonly HistoryEvent[]): Read[] {
  const reads: Read[] = [];
  for (const event of events) {
    if (event.type === 'poll') reads.push({ process: event.process, topic: event.topic, partition: event.partition, offset: event.offset, value: event.value });
  }
  return reads;
}

type Note = <K extends keyof Anomalies>(kind: K, example: Anomalies[K][number]) => void;

/** Within each consumer and partition, offsets must rise one existing offset at a time. */
function checkPolls(reads: readonly Read[], valuesAt: ReadonlyMap<string, Set<string>>, note: Note): void {
  const known = new Map<string, number[]>();
  for (const key of valuesAt.keys()) {
    const { topic, partition, offset } = parseOffsetKey(key);
    const list = known.get(partitionKey(topic, partition)) ?? [];
    list.push(offset);
    known.set(partitionKey(topic, partition), list);
  }
  for (const list of known.values()) list.sort((a, b) => a - b);
  const last = new Map<string, number>();
  for (const read of reads) {
    const key = `${read.process}\u0000${partitionKey(read.topic, read.partition)}`;
    const previous = last.get(key);
    last.set(key, read.offset);
    if (previous === undefined) continue;
    const where = { process: read.process, topic: read.topic, partition: read.partition, previous, offset: read.offset };
    if (read.offset <= previous) {
      note('nonMonotonicPolls', where);
      continue;
    }
    const skipped = countBetween(known.get(partitionKey(read.topic, read.partition)) ?? [], previous, read.offset);
    if (skipped > 0) note('skippedPolls', { ...where, skipped });
  }
}

/** A writer's acknowledged writes to one partition must sit at increasing offsets. */
function checkOrder(byWriter: ReadonlyMap<string, readonly Ack[]>, note: Note): void {
  for (const [process, acks] of byWriter) {
    const lastInPartition = new Map<string, Ack>();
    for (const ack of acks) {
      const earlier = lastInPartition.get(partitionKey(ack.topic, ack.partition));
      lastInPartition.set(partitionKey(ack.topic, ack.partition), ack);
      if (earlier !== undefined && ack.offset <= earlier.offset) {
        note('orderViolations', {
          process,
          topic: ack.topic,
          partition: ack.partition,
          earlier: earlier.value,
          earlierOffset: earlier.offset,
          later: ack.value,
          laterOffset: ack.offset,
        });
      }
    }
  }
}

/**
 * The churned topic's values name their incarnation (`i<k>-<n>`). A reader that has read
 * incarnation k must never read an older one afterwards, and the final read (after the last
 * re-creation, with every node healed) must find only the last one: a re-created topic never
 * serves records from before its creation. A reader may start on an older incarnation (its
 * metadata can be a moment behind), so only going back counts.
 */
function checkIncarnations(events: readonly HistoryEvent[], finalReader: string, note: Note): void {
  let latest = -1;
  for (const event of events) if (event.type === 'topic-created') latest = Math.max(latest, event.incarnation);
  const seen = new Map<string, number>();
  for (const event of events) {
    if (event.type !== 'churn-poll') continue;
    const incarnation = incarnationOf(event.value);
    const floor = event.process === finalReader ? latest : (seen.get(event.process) ?? -1);
    if (incarnation < floor) {
      note('staleIncarnationReads', { process: event.process, topic: event.topic, partition: event.partition, offset: event.offset, value: event.value, incarnation, after: floor });
    }
    seen.set(event.process, Math.max(floor, incarnation));
  }
}

/** The incarnation a churn value was written to (`i<k>-<n>`); -1 for a value not in that form. */
export function incarnationOf(value: string): number {
  const match = /^i(\d+)-/.exec(value);
  return match === null ? -1 : Number(match[1]);
}

/** Longest interval in [start, end] containing none of `times` (which may be unsorted). */
export function longestGap(times: readonly number[], start: number, end: number): { from: number; to: number } {
  const points = [start, ...times.filter((t) => t > start && t < end).sort((a, b) => a - b), end];
  let best = { from: start, to: start };
  for (let i = 1; i < points.length; i++) {
    if (points[i]! - points[i - 1]! > best.to - best.from) best = { from: points[i - 1]!, to: points[i]! };
  }
  return best;
}

/** How many values of the sorted list lie strictly between low and high. */
function countBetween(sorted: readonly number[], low: number, high: number): number {
  return lowerBound(sorted, high) - lowerBound(sorted, low + 1);
}

function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

function offsetKey(at: PartitionOffset): string {
  return `${at.topic}\u0000${at.partition}\u0000${at.offset}`;
}

function parseOffsetKey(key: string): PartitionOffset {
  const [topic, partition, offset] = key.split('\u0000');
  return { topic: topic!, partition: Number(partition), offset: Number(offset) };
}

function compareOffsetKeys(a: string, b: string): number {
  return byPartitionOffset(parseOffsetKey(a), parseOffsetKey(b));
}

function byPartitionOffset(a: PartitionOffset, b: PartitionOffset): number {
  return (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0) || a.partition - b.partition || a.offset - b.offset;
}
