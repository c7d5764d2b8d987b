import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  it('starts full, refills at the rate up to its capacity', () => {
    const bucket = new TokenBucket(1000, 100, 0);
    expect(bucket.available(0)).toBe(100);
    bucket.take(100, 0);
    expect(bucket.available(50)).toBe(50);
    expect(bucket.available(10_000)).toBe(100);
  });

  it('may be overdrawn, and allows nothing until the debt is paid back', () => {
    const bucket = new TokenBucket(1000, 100, 0);
    bucket.take(600, 0);
    expect(bucket.available(0)).toBe(-500);
    expect(bucket.msUntilAvailable(0)).toBe(501);
    expect(bucket.available(500)).toBe(0);
    expect(bucket.msUntilAvailable(500)).toBe(1);
    expect(bucket.msUntilAvailable(501)).toBe(0);
  });

  it('ignores readings earlier than the last one', () => {
    const bucket = new TokenBucket(1000, 100, 100);
    bucket.take(100, 100);
    expect(bucket.available(50)).toBe(0);
    expect(bucket.available(150)).toBe(50);
  });

  it('keeps what it earned at the old rate when reconfigured, up to the new capacity', () => {
    const bucket = new TokenBucket(1000, 1000, 0);
    bucket.take(1000, 0);
    bucket.reconfigure(10, 10, 500);
    expect(bucket.available(500)).toBe(10);
    bucket.take(10, 500);
    expect(bucket.available(1500)).toBe(10);
    expect(bucket.rate).toBe(10);
  });
});
