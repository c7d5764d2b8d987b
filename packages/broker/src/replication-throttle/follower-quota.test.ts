import { SeededRandom } from '@quill/random';
import { describe, expect, it } from 'vitest';
import { FollowerQuota } from './follower-quota.js';

const FULL = 8 * 1024 * 1024;
const BURST_MS = 100;

/**
 * A follower fetching one moving replica as fast as it may from a leader with more data than the
 * move can take: each fetch asks the quota, the leader answers whole batches (at least one, up to
 * the max bytes asked for), a round trip takes `rttMs`, and a paused fetch long-polls until the
 * quota resumes. Returns the bytes fetched in `durationMs`.
 */
function simulateMove(rate: number, batchBytes: () => number, rttMs: number, durationMs: number): number {
  const quota = new FollowerQuota(BURST_MS);
  let now = 0;
  quota.setRate(rate, now);
  let fetched = 0;
  while (now < durationMs) {
    const maxBytes = quota.partitionMaxBytes(1, FULL, now);
    if (maxBytes === 0) {
      now += Math.max(1, quota.msUntilResume(now));
      continue;
    }
    let answer = batchBytes();
    while (answer < maxBytes) answer += batchBytes();
    now += rttMs;
    quota.record(answer, now);
    fetched += answer;
  }
  return fetched;
}

describe('FollowerQuota', () => {
  it('asks for everything when there is no limit', () => {
    const quota = new FollowerQuota(BURST_MS);
    quota.setRate(undefined, 0);
    expect(quota.partitionMaxBytes(3, FULL, 0)).toBe(FULL);
    quota.record(10 * FULL, 0);
    expect(quota.partitionMaxBytes(3, FULL, 0)).toBe(FULL);
    expect(quota.msUntilResume(0)).toBe(0);
  });

  it('shares the burst among the throttled partitions of a fetch, and pauses them over the quota', () => {
    const quota = new FollowerQuota(BURST_MS);
    quota.setRate(1_000_000, 0);
    expect(quota.partitionMaxBytes(1, FULL, 0)).toBe(100_000);
    expect(quota.partitionMaxBytes(4, FULL, 0)).toBe(25_000);
    expect(quota.partitionMaxBytes(1, 10, 0)).toBe(10);
    quota.record(300_000, 0);
    expect(quota.partitionMaxBytes(1, FULL, 0)).toBe(0);
    expect(quota.msUntilResume(0)).toBe(201);
    expect(quota.partitionMaxBytes(1, FULL, 201)).toBe(100_000);
  });

  it('saves up one burst while unused, not more', () => {
    const quota = new FollowerQuota(BURST_MS);
    quota.setRate(1_000_000, 0);
    quota.record(99_999, 60_000);
    expect(quota.partitionMaxBytes(1, FULL, 60_000)).toBe(100_000);
    quota.record(1, 60_000);
    expect(quota.partitionMaxBytes(1, FULL, 60_000)).toBe(0);
  });

  it('applies a changed rate at once, and lifts the limit when it is removed', () => {
    const quota = new FollowerQuota(BURST_MS);
    quota.setRate(1_000_000, 0);
    quota.record(100_000, 0);
    quota.setRate(10_000, 0);
    expect(quota.partitionMaxBytes(1, FULL, 0)).toBe(0);
    expect(quota.partitionMaxBytes(1, FULL, 1)).toBe(1000);
    quota.record(1_000_000, 1);
    quota.setRate(undefined, 1);
    expect(quota.partitionMaxBytes(1, FULL, 1)).toBe(FULL);
  });

  it.each([
    [1_000_000, 16 * 1024, 2],
    [1_000_000, 300 * 1024, 2],
    [100_000, 4 * 1024, 1],
    [50_000_000, 1024 * 1024, 5],
    // Round trips near the burst: the bucket keeps earning while a fetch is in flight.
    [1_000_000, 16 * 1024, 80],
  ])('holds a move at %i bytes/s within 20%% over 3 s (batches around %i bytes, %i ms round trips)', (rate, batch, rttMs) => {
    const random = new SeededRandom(7);
    const bytes = simulateMove(rate, () => Math.ceil(batch * (0.5 + random.next())), rttMs, 3000);
    expect(bytes / 3).toBeGreaterThan(rate * 0.8);
    expect(bytes / 3).toBeLessThan(rate * 1.2);
  });
});
