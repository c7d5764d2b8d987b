import { describe, expect, it } from 'vitest';
import { dealRoundRobin, randomPayload, readStamp, splitEvenly, stampedValue } from './plan.js';

describe('splitEvenly', () => {
  it('shares records out with at most one of difference, larger shares first', () => {
    expect(splitEvenly(10, 3)).toEqual([4, 3, 3]);
    expect(splitEvenly(2, 4)).toEqual([1, 1, 0, 0]);
    expect(splitEvenly(0, 2)).toEqual([0, 0]);
    expect(splitEvenly(1_000_000, 7).reduce((a, b) => a + b, 0)).toBe(1_000_000);
  });

  it('rejects what cannot be shared', () => {
    expect(() => splitEvenly(10, 0)).toThrow(RangeError);
    expect(() => splitEvenly(-1, 2)).toThrow(RangeError);
    expect(() => splitEvenly(1.5, 2)).toThrow(RangeError);
  });
});

describe('dealRoundRobin', () => {
  it('deals partitions round-robin and leaves no consumer empty-handed', () => {
    expect(dealRoundRobin([0, 1, 2, 3, 4], 2)).toEqual([[0, 2, 4], [1, 3]]);
    expect(dealRoundRobin([0, 1], 4)).toEqual([[0], [1]]);
    expect(dealRoundRobin([], 3)).toEqual([]);
    expect(() => dealRoundRobin([1], 0)).toThrow(RangeError);
  });
});

describe('record values', () => {
  it('makes payloads of uppercase letters, as kafka-producer-perf-test', () => {
    const payload = randomPayload(1000);
    expect(payload.length).toBe(1000);
    expect(/^[A-Z]+$/.test(payload.toString('latin1'))).toBe(true);
    expect(randomPayload(3, () => 0.999).toString()).toBe('ZZZ');
  });

  it('stamps e2e values with their send time and reads it back', () => {
    const value = stampedValue(100, 12345.678);
    expect(value.length).toBe(100);
    expect(readStamp(value)).toBe(12345.678);
    expect(readStamp(Buffer.alloc(7))).toBeUndefined();
    expect(readStamp(null)).toBeUndefined();
    expect(() => stampedValue(7, 1)).toThrow(RangeError);
  });
});
