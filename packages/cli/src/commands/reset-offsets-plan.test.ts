import { describe, expect, it } from 'vitest';
import { parseDateTime, parseDuration, parseTopicSelection, planResets, type PartitionPosition } from './reset-offsets-plan.js';

const positions: PartitionPosition[] = [
  { topic: 'b', partition: 0, committed: 7, low: 2, high: 10, atTimestamp: 5 },
  { topic: 'a', partition: 1, committed: -1, low: 0, high: 4, atTimestamp: 4 },
  { topic: 'a', partition: 0, committed: 3, low: 1, high: 6, atTimestamp: 0 },
];
const offsets = (target: Parameters<typeof planResets>[0]) => planResets(target, positions).map((p) => `${p.topic}-${p.partition}:${p.newOffset}`);

describe('planResets', () => {
  it('sorts by topic and partition and moves to the log start or the high watermark', () => {
    expect(offsets({ kind: 'earliest' })).toEqual(['a-0:1', 'a-1:0', 'b-0:2']);
    expect(offsets({ kind: 'latest' })).toEqual(['a-0:6', 'a-1:4', 'b-0:10']);
  });

  it('clamps a given offset and a time lookup to [log start, high watermark]', () => {
    expect(offsets({ kind: 'offset', offset: 5 })).toEqual(['a-0:5', 'a-1:4', 'b-0:5']);
    expect(offsets({ kind: 'offset', offset: 0 })).toEqual(['a-0:1', 'a-1:0', 'b-0:2']);
    expect(offsets({ kind: 'timestamp', timestampMs: 1 })).toEqual(['a-0:1', 'a-1:4', 'b-0:5']);
  });

  it('shifts committed offsets, clamped, and refuses a partition with nothing committed', () => {
    const committed = positions.filter((p) => p.committed >= 0);
    expect(planResets({ kind: 'shift', by: -4 }, committed).map((p) => p.newOffset)).toEqual([1, 3]);
    expect(planResets({ kind: 'shift', by: 5 }, committed).map((p) => p.newOffset)).toEqual([6, 10]);
    expect(() => planResets({ kind: 'shift', by: 1 }, positions)).toThrowError(expect.objectContaining({ code: 'INVALID_REQUEST' }));
  });
});

describe('reset-offsets arguments', () => {
  it('parses --topic T and T:P,P', () => {
    expect(parseTopicSelection('orders')).toEqual({ topic: 'orders', partitions: undefined });
    expect(parseTopicSelection('orders:2,0,2')).toEqual({ topic: 'orders', partitions: [0, 2] });
    expect(() => parseTopicSelection('orders:x')).toThrowError(expect.objectContaining({ code: 'INVALID_CONFIG' }));
  });

  it('parses ISO-8601 durations and date-times', () => {
    expect(parseDuration('P1DT2H3M4.5S')).toBe(((26 * 60 + 3) * 60 + 4.5) * 1000);
    expect(parseDuration('PT15M')).toBe(900_000);
    expect(parseDuration('P2D')).toBe(172_800_000);
    for (const bad of ['P', 'PT', '15M', 'P1H']) expect(() => parseDuration(bad)).toThrowError(expect.objectContaining({ code: 'INVALID_CONFIG' }));
    expect(parseDateTime('2026-01-31T12:00:00.000Z')).toBe(Date.UTC(2026, 0, 31, 12));
    expect(() => parseDateTime('yesterday')).toThrowError(expect.objectContaining({ code: 'INVALID_CONFIG' }));
  });
});
