import { describe, expect, it } from 'vitest';
import { LeaderReplicationState } from './leader-replication-state.js';

const LAG_MS = 10_000;

describe('LeaderReplicationState', () => {
  it('sets the high watermark to the lowest durable offset over the ISR, never lowering it', () => {
    const state = new LeaderReplicationState(1, [1, 2, 3], [1, 2, 3], 0, 0, 0);
    state.onFollowerFetch(2, 10, 8, 100, 10);
    state.onFollowerFetch(3, 10, 10, 100, 10);
    expect(state.updateHighWatermark(10)).toBe(8);
    expect(state.updateHighWatermark(6)).toBe(8);
    state.onFollowerFetch(2, 10, 10, 200, 10);
    expect(state.updateHighWatermark(10)).toBe(10);
  });

  it('counts a follower only up to what it fetched, whatever durable offset it claims', () => {
    const state = new LeaderReplicationState(1, [1, 2], [1, 2], 0, 0, 0);
    state.onFollowerFetch(2, 4, 99, 100, 10);
    expect(state.updateHighWatermark(10)).toBe(4);
  });

  it('ignores followers outside the ISR for the high watermark', () => {
    const state = new LeaderReplicationState(1, [1, 2, 3], [1, 2], 0, 0, 0);
    state.onFollowerFetch(2, 20, 20, 100, 20);
    expect(state.updateHighWatermark(20)).toBe(20);
  });

  it('drops a follower that has not caught up within replica.lag.time.max.ms', () => {
    const state = new LeaderReplicationState(1, [1, 2, 3], [1, 2, 3], 0, 0, 0);
    state.onFollowerFetch(2, 5, 5, 1_000, 5);
    state.onFollowerFetch(3, 5, 5, 1_000, 5);
    // Follower 3 keeps fetching but never reaches the leader's end again.
    state.onFollowerFetch(2, 50, 50, 11_500, 50);
    state.onFollowerFetch(3, 6, 6, 11_500, 50);
    expect(state.proposeIsrChange(11_500, LAG_MS)).toEqual({ isr: [1, 2], removed: [3], added: [] });
  });

  it('keeps a follower that is behind only because the leader kept appending between its fetches', () => {
    const state = new LeaderReplicationState(1, [1, 2], [1, 2], 0, 0, 0);
    let leaderEnd = 10;
    for (let t = 1_000; t <= 30_000; t += 500) {
      // Each fetch reaches what the leader had at the previous fetch.
      state.onFollowerFetch(2, leaderEnd, leaderEnd, t, leaderEnd + 3);
      leaderEnd += 3;
    }
    expect(state.proposeIsrChange(30_000, LAG_MS)).toBeUndefined();
  });

  it('adds a follower back once it reaches the high watermark and the epoch start', () => {
    const state = new LeaderReplicationState(1, [1, 2], [1], 40, 40, 0);
    state.onFollowerFetch(2, 30, 30, 1_000, 45);
    expect(state.proposeIsrChange(1_000, LAG_MS)).toBeUndefined();
    state.onFollowerFetch(2, 45, 45, 2_000, 45);
    expect(state.proposeIsrChange(2_000, LAG_MS)).toEqual({ isr: [1, 2], removed: [], added: [2] });
  });

  it('counts a replica in the high watermark from the moment its addition is proposed (maximal ISR, KIP-497)', () => {
    const state = new LeaderReplicationState(1, [1, 2, 3], [1, 2], 0, 0, 0);
    state.onFollowerFetch(2, 10, 10, 1_000, 10);
    // Follower 3 has fetched everything but fsynced only up to 4.
    state.onFollowerFetch(3, 10, 4, 1_000, 10);
    expect(state.proposeIsrChange(1_000, LAG_MS)).toEqual({ isr: [1, 2, 3], removed: [], added: [3] });
    expect(state.maximalIsr).toEqual([1, 2, 3]);
    expect(state.updateHighWatermark(10)).toBe(4);
    state.onFollowerFetch(3, 10, 10, 1_100, 10);
    expect(state.updateHighWatermark(10)).toBe(10);
  });

  it('keeps counting a replica proposed for removal until the removal is committed', () => {
    const state = new LeaderReplicationState(1, [1, 2, 3], [1, 2, 3], 0, 0, 0);
    state.onFollowerFetch(2, 10, 10, 11_500, 10);
    state.onFollowerFetch(3, 2, 2, 500, 2);
    expect(state.proposeIsrChange(11_500, LAG_MS)).toEqual({ isr: [1, 2], removed: [3], added: [] });
    expect(state.updateHighWatermark(10)).toBe(2);
    state.setIsr([1, 2]);
    expect(state.updateHighWatermark(10)).toBe(10);
  });

  it('retries an unanswered proposal as it was, and forgets an addition the controller refused', () => {
    const state = new LeaderReplicationState(1, [1, 2], [1], 0, 0, 0);
    state.onFollowerFetch(2, 10, 3, 1_000, 10);
    const proposal = state.proposeIsrChange(1_000, LAG_MS);
    expect(proposal).toEqual({ isr: [1, 2], removed: [], added: [2] });
    expect(state.proposeIsrChange(1_500, LAG_MS)).toEqual(proposal);
    expect(state.updateHighWatermark(10)).toBe(3);
    state.abandonProposal();
    expect(state.maximalIsr).toEqual([1]);
    expect(state.updateHighWatermark(10)).toBe(10);
  });

  it('does not shrink the ISR of a new leader before followers had time to fetch', () => {
    const state = new LeaderReplicationState(1, [1, 2, 3], [1, 2, 3], 0, 0, 50_000);
    expect(state.proposeIsrChange(55_000, LAG_MS)).toBeUndefined();
    expect(state.proposeIsrChange(60_001, LAG_MS)?.removed).toEqual([2, 3]);
  });

  it("takes a reassignment's new follower out of sync until it catches up, and forgets a removed one", () => {
    const state = new LeaderReplicationState(1, [1, 2, 3], [1, 2, 3], 0, 0, 0);
    state.onFollowerFetch(2, 20, 20, 1_000, 20);
    state.onFollowerFetch(3, 20, 20, 1_000, 20);
    expect(state.updateHighWatermark(20)).toBe(20);
    state.setReplicas([2, 3, 4, 1], 1_000);
    expect(state.isReplica(4)).toBe(true);
    // Far behind, the new follower neither holds the high watermark nor joins the ISR.
    state.onFollowerFetch(4, 5, 5, 1_500, 30);
    state.onFollowerFetch(2, 30, 30, 1_500, 30);
    state.onFollowerFetch(3, 30, 30, 1_500, 30);
    expect(state.updateHighWatermark(30)).toBe(30);
    expect(state.proposeIsrChange(1_500, LAG_MS)).toBeUndefined();
    state.onFollowerFetch(4, 30, 30, 2_000, 30);
    expect(state.proposeIsrChange(2_000, LAG_MS)).toEqual({ isr: [2, 3, 4, 1], removed: [], added: [4] });

    state.setIsr([1, 2, 3, 4]);
    state.setReplicas([1, 2, 4], 2_500);
    expect(state.isReplica(3)).toBe(false);
    expect(state.replicas).toEqual([1, 2, 4]);
  });
});
