/**
 * Pure helpers the benchmarks plan their work with: how records and partitions are shared out,
 * and what the records look like.
 */

/** `total` split into `parts` shares that differ by at most one, the larger ones first. */
export function splitEvenly(total: number, parts: number): number[] {
  if (!Number.isSafeInteger(total) || total < 0) throw new RangeError(`total must be a non-negative integer, got ${total}`);
  if (!Number.isSafeInteger(parts) || parts < 1) throw new RangeError(`parts must be a positive integer, got ${parts}`);
  const base = Math.floor(total / parts);
  const extra = total % parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0));
}

/**
 * `items` dealt out round-robin to at most `parts` groups; no group is empty, so there are
 * fewer groups than `parts` when there are fewer items (a consumer without partitions would idle).
 */
export function dealRoundRobin<T>(items: readonly T[], parts: number): T[][] {
  if (!Number.isSafeInteger(parts) || parts < 1) throw new RangeError(`parts must be a positive integer, got ${parts}`);
  const groups: T[][] = Array.from({ length: Math.min(parts, items.length) }, () => []);
  items.forEach((item, i) => groups[i % groups.length]!.push(item));
  return groups;
}

/**
 * A record value of `size` random uppercase letters, as kafka-producer-perf-test makes them:
 * unlike random bytes, compression codecs get something to work on, as with real text.
 */
export function randomPayload(size: number, random: () => number = Math.random): Buffer {
  const payload = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) payload[i] = 65 + Math.floor(random() * 26);
  return payload;
}

/** Bytes of the send timestamp at the start of each e2e record's value (a float64 of ms). */
export const TIMESTAMP_BYTES = 8;

/** An e2e record's value: `size` bytes starting with `sentAtMs` (so the reader can tell its age). */
export function stampedValue(size: number, sentAtMs: number): Buffer {
  if (size < TIMESTAMP_BYTES) throw new RangeError(`a stamped value needs at least ${TIMESTAMP_BYTES} bytes, got ${size}`);
  const value = Buffer.alloc(size);
  value.writeDoubleBE(sentAtMs, 0);
  return value;
}

/** The send time written by `stampedValue`, or undefined for a value too short to hold one. */
export function readStamp(value: Buffer | null): number | undefined {
  if (value === null || value.length < TIMESTAMP_BYTES) return undefined;
  return value.readDoubleBE(0);
}
