import { describe, expect, it } from 'vitest';
import { LatencyHistogram, ProgressWindow, rates } from './stats.js';
import { percentile } from './percentiles.js';

describe('LatencyHistogram', () => {
  it('is exact below 256 µs and for count, mean, max', () => {
    const histogram = new LatencyHistogram();
    for (const ms of [0.001, 0.002, 0.1, 0.255, 0.05]) histogram.record(ms);
    expect(histogram.count).toBe(5);
    expect(histogram.percentile(50)).toBe(0.05);
    expect(histogram.percentile(100)).toBe(0.255);
    expect(histogram.max()).toBe(0.255);
    expect(histogram.mean()).toBeCloseTo((0.001 + 0.002 + 0.1 + 0.255 + 0.05) / 5, 9);
  });

  it('keeps percentiles within 1% of the exact nearest-rank value over a wide range', () => {
    const histogram = new LatencyHistogram();
    const values: number[] = [];
    let seed = 7;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 20_000; i++) {
      // Log-uniform from 1 µs to 10 s: every bucket size is exercised.
      const ms = 10 ** (random() * 7 - 3);
      values.push(Math.round(ms * 1000) / 1000);
      histogram.record(ms);
    }
    for (const p of [1, 50, 90, 99, 99.9, 100]) {
      const exact = percentile(values, p);
      expect(Math.abs(histogram.percentile(p) - exact) / exact).toBeLessThan(0.01);
    }
    expect(histogram.max()).toBe(Math.max(...values));
  });

  it('never reports a percentile above the maximum or below the minimum', () => {
    const histogram = new LatencyHistogram();
    histogram.record(1000.3);
    expect(histogram.percentile(50)).toBe(1000.3);
    expect(histogram.percentile(0.1)).toBe(1000.3);
  });

  it('reports NaN (null in JSON) without samples, and clamps negative and huge values', () => {
    const histogram = new LatencyHistogram();
    expect(JSON.parse(JSON.stringify(histogram.summary()))).toEqual({ p50: null, p99: null, p999: null, max: null, mean: null });
    histogram.record(-5);
    histogram.record(1e12);
    expect(histogram.percentile(1)).toBe(0);
    expect(histogram.max()).toBeCloseTo((2 ** 32 - 1) / 1000, 6);
  });
});

describe('ProgressWindow', () => {
  it('reports the records, rate and latency of each window, then starts a new one', () => {
    let clock = 0;
    const window = new ProgressWindow('sent', true, () => clock);
    window.add(1000, 100_000, 1000 * 4, 9);
    window.add(1000, 100_000, 1000 * 2, 5);
    clock = 2000;
    expect(window.take()).toBe('2000 records sent, 1000.0 records/sec (0.10 MB/sec), 3.0 ms avg latency, 9.0 ms max latency');
    clock = 3000;
    expect(window.take()).toBe('0 records sent, 0.0 records/sec (0.00 MB/sec), 0.0 ms avg latency, 0.0 ms max latency');
  });

  it('leaves latency out when the benchmark does not measure it', () => {
    let clock = 0;
    const window = new ProgressWindow('read', false, () => clock);
    window.add(500, 1_000_000);
    clock = 500;
    expect(window.take()).toBe('500 records read, 1000.0 records/sec (2.00 MB/sec)');
  });
});

describe('rates', () => {
  it('gives records/s and MB/s (10^6 bytes), NaN for an empty interval', () => {
    expect(rates(1000, 2_000_000, 2)).toEqual({ recordsPerSec: 500, mbPerSec: 1 });
    expect(rates(1, 1, 0)).toEqual({ recordsPerSec: Number.NaN, mbPerSec: Number.NaN });
  });
});
