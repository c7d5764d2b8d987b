import { QuillError } from '@quill/client';

// The pure part of `quill groups reset-offsets`: parsing its arguments and computing the new
// offsets (Kafka's kafka-consumer-groups --reset-offsets semantics). The command does the I/O.

/** Where the offsets go. Times are resolved to offsets by the caller (ListOffsets by timestamp). */
export type ResetTarget =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'offset'; offset: number }
  | { kind: 'timestamp'; timestampMs: number }
  | { kind: 'shift'; by: number };

/** What the plan needs to know of one partition. */
export interface PartitionPosition {
  topic: string;
  partition: number;
  /** The group's committed offset; -1 when it has none. */
  committed: number;
  /** The log start offset. */
  low: number;
  /** The high watermark. */
  high: number;
  /** The first offset at or after the target time (the high watermark when none); timestamp targets only. */
  atTimestamp?: number;
}

/** One line of the plan. */
export interface PlannedOffset {
  topic: string;
  partition: number;
  newOffset: number;
}

/** `--topic T` or `--topic T:0,2`: a topic and optionally some of its partitions. */
export interface TopicSelection {
  topic: string;
  /** Undefined: every partition. */
  partitions: number[] | undefined;
}

/**
 * The new offset of every partition, sorted by topic and partition. Offsets given or shifted are
 * clamped to [log start, high watermark], as Kafka; shifting a partition with no committed offset
 * is refused.
 */
export function planResets(target: ResetTarget, positions: readonly PartitionPosition[]): PlannedOffset[] {
  const clamp = (p: PartitionPosition, offset: number) => Math.min(Math.max(offset, p.low), p.high);
  const newOffset = (p: PartitionPosition): number => {
    switch (target.kind) {
      case 'earliest':
        return p.low;
      case 'latest':
        return p.high;
      case 'offset':
        return clamp(p, target.offset);
      case 'timestamp':
        return clamp(p, p.atTimestamp ?? p.high);
      case 'shift':
        if (p.committed < 0) {
          throw new QuillError('INVALID_REQUEST', `Cannot shift the offset of ${p.topic}-${p.partition}: the group has no committed offset there.`);
        }
        return clamp(p, p.committed + target.by);
    }
  };
  return [...positions]
    .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
    .map((p) => ({ topic: p.topic, partition: p.partition, newOffset: newOffset(p) }));
}

/** Parses `T` or `T:P,P` (Kafka's --topic form). */
export function parseTopicSelection(text: string): TopicSelection {
  const colon = text.lastIndexOf(':');
  if (colon < 0) return { topic: text, partitions: undefined };
  const topic = text.slice(0, colon);
  const list = text.slice(colon + 1).split(',');
  if (topic === '' || list.some((p) => !/^\d+$/.test(p))) {
    throw new QuillError('INVALID_CONFIG', `--topic takes TOPIC or TOPIC:PARTITION,PARTITION,..., got '${text}'.`);
  }
  return { topic, partitions: [...new Set(list.map(Number))].sort((a, b) => a - b) };
}

/** Parses an ISO-8601 duration of days, hours, minutes and seconds (`PnDTnHnMnS`) to ms. */
export function parseDuration(text: string): number {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text);
  if (match === null || text === 'P' || text.endsWith('T')) {
    throw new QuillError('INVALID_CONFIG', `--by-duration takes an ISO-8601 duration such as P1DT2H30M or PT15M, got '${text}'.`);
  }
  const [days, hours, minutes, seconds] = match.slice(1).map((v) => Number(v ?? 0));
  return Math.round((((days! * 24 + hours!) * 60 + minutes!) * 60 + seconds!) * 1000);
}

/** Parses an ISO-8601 date-time (`2026-01-31T12:00:00`, with an optional zone; local time without one) to ms. */
export function parseDateTime(text: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) throw new QuillError('INVALID_CONFIG', `--to-datetime takes an ISO-8601 date-time such as 2026-01-31T12:00:00.000Z, got '${text}'.`);
  return ms;
}
