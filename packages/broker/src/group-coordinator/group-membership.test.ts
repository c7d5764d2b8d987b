import type { JoinGroupResponse, SyncGroupResponse } from '@quill/proto';
import { describe, expect, it } from 'vitest';
import { ShardDriver, SHARD_SETTINGS, SESSION_MS, REBALANCE_MS, stableGroupOfTwo } from '../test-support/coordinator-shard-driver.js';

describe('CoordinatorShard: joining', () => {
  it('hands out a member id first (KIP-394), then completes the join after the initial delay', () => {
    const d = new ShardDriver();
    stableGroupOfTwo(d);
  });

  it('extends the initial delay while new members keep arriving, up to the rebalance timeout', () => {
    const d = new ShardDriver();
    const first = d.joinNew('g');
    d.advance(SHARD_SETTINGS.initialRebalanceDelayMs - 10);
    const second = d.joinNew('g');
    d.advance(20); // the first delay ended, but a member arrived during it: one more delay
    expect(d.answered(first.requestId)).toBe(false);
    d.advance(SHARD_SETTINGS.initialRebalanceDelayMs);
    expect(d.reply<JoinGroupResponse>(first.requestId).generationId).toBe(1);
    expect(d.reply<JoinGroupResponse>(second.requestId).generationId).toBe(1);
  });

  it('completes a later rebalance as soon as every known member rejoined', () => {
    const d = new ShardDriver();
    const { leader, follower } = stableGroupOfTwo(d);
    const c = d.joinNew('g');
    expect(d.shard.groupState('g')).toBe('PreparingRebalance');
    expect(d.heartbeat('g', follower, 1)).toBe('REBALANCE_IN_PROGRESS');
    const rl = d.join('g', { memberId: leader });
    expect(d.answered(c.requestId)).toBe(false);
    const rf = d.join('g', { memberId: follower });
    // No timer needed: the last rejoin completes the join.
    for (const id of [c.requestId, rl, rf]) expect(d.reply<JoinGroupResponse>(id).generationId).toBe(2);
    expect(d.reply<JoinGroupResponse>(rl).members).toHaveLength(3);
    expect(d.reply<JoinGroupResponse>(rf).members).toHaveLength(0);
    expect(d.shard.groupState('g')).toBe('CompletingRebalance');
  });

  it('answers a follower rejoining a Stable group with unchanged metadata without a rebalance', () => {
    const d = new ShardDriver();
    const { follower } = stableGroupOfTwo(d);
    const r = d.join('g', { memberId: follower });
    expect(d.reply<JoinGroupResponse>(r).generationId).toBe(1);
    expect(d.shard.groupState('g')).toBe('Stable');
  });

  it('rejects unknown members, bad session timeouts, inconsistent protocols and a full group', () => {
    const d = new ShardDriver();
    expect(d.reply<JoinGroupResponse>(d.join('g', { memberId: 'nobody' })).error?.code).toBe('UNKNOWN_MEMBER_ID');
    expect(d.reply<JoinGroupResponse>(d.join('g', { sessionTimeoutMs: 10 })).error?.code).toBe('INVALID_SESSION_TIMEOUT');
    expect(d.reply<JoinGroupResponse>(d.join('')).error?.code).toBe('INVALID_GROUP_ID');
    d.joinNew('g', { protocols: ['range'] });
    expect(d.reply<JoinGroupResponse>(d.join('g', { protocols: ['roundrobin'] })).error?.code).toBe('INCONSISTENT_GROUP_PROTOCOL');
    for (let i = 0; i < SHARD_SETTINGS.groupMaxSize - 1; i++) d.joinNew('g');
    expect(d.reply<JoinGroupResponse>(d.join('g')).error?.code).toBe('GROUP_MAX_SIZE_REACHED');
  });

  it('forgets a member id that never comes back, and the group it alone made', () => {
    const d = new ShardDriver();
    expect(d.reply<JoinGroupResponse>(d.join('g')).error?.code).toBe('MEMBER_ID_REQUIRED');
    expect(d.shard.groupState('g')).toBe('Empty');
    d.advance(SESSION_MS);
    expect(d.shard.groupState('g')).toBeUndefined();
  });

  it('selects the protocol every member supports, by the members\' preference votes', () => {
    const d = new ShardDriver();
    const a = d.joinNew('g', { protocols: ['cooperative-sticky', 'range'] });
    const b = d.joinNew('g', { protocols: ['range', 'cooperative-sticky'] });
    const c = d.joinNew('g', { protocols: ['cooperative-sticky'] });
    d.advance(1000);
    for (const { requestId } of [a, b, c]) expect(d.reply<JoinGroupResponse>(requestId).protocolName).toBe('cooperative-sticky');
  });

  it('passes cooperative protocols\' metadata through untouched', () => {
    const d = new ShardDriver();
    const meta = 'owned-partitions:t-0,t-1';
    const a = d.joinNew('g', { protocols: ['cooperative-sticky'], metadata: meta });
    d.advance(1000);
    const reply = d.reply<JoinGroupResponse>(a.requestId);
    expect(Buffer.from(reply.members![0]!.metadata as Buffer).toString()).toBe(meta);
  });
});

describe('CoordinatorShard: sync, heartbeat and leave', () => {
  it('checks generation and membership on heartbeat and sync', () => {
    const d = new ShardDriver();
    const { leader } = stableGroupOfTwo(d);
    expect(d.heartbeat('g', leader, 1)).toBe('NONE');
    expect(d.heartbeat('g', leader, 0)).toBe('ILLEGAL_GENERATION');
    expect(d.heartbeat('g', 'nobody', 1)).toBe('UNKNOWN_MEMBER_ID');
    expect(d.heartbeat('other', leader, 1)).toBe('UNKNOWN_MEMBER_ID');
    expect(d.reply<SyncGroupResponse>(d.sync('g', leader, 7)).error?.code).toBe('ILLEGAL_GENERATION');
  });

  it('a member leaving makes the others rejoin; the last one leaving empties the group', () => {
    const d = new ShardDriver();
    const { leader, follower } = stableGroupOfTwo(d);
    d.leave('g', follower);
    expect(d.shard.groupState('g')).toBe('PreparingRebalance');
    const r = d.join('g', { memberId: leader });
    expect(d.reply<JoinGroupResponse>(r).generationId).toBe(2);
    d.sync('g', leader, 2, [[leader, 'all']]);
    d.leave('g', leader);
    expect(d.shard.groupState('g')).toBe('Empty');
  });

  it('a member that stops heartbeating is dropped after its session timeout', () => {
    const d = new ShardDriver();
    const { leader, follower } = stableGroupOfTwo(d);
    for (let t = 0; t < SESSION_MS * 1.5; t += 1000) {
      d.advance(1000);
      expect(d.heartbeat('g', leader, 1)).toBe(t + 1000 >= SESSION_MS ? 'REBALANCE_IN_PROGRESS' : 'NONE');
    }
    expect(d.heartbeat('g', follower, 1)).toBe('UNKNOWN_MEMBER_ID');
  });

  it('the rebalance timeout drops members that do not rejoin', () => {
    const d = new ShardDriver();
    const { leader, follower } = stableGroupOfTwo(d);
    const c = d.joinNew('g');
    const rl = d.join('g', { memberId: leader });
    // The follower keeps heartbeating (so its session holds) but never rejoins.
    for (let t = 0; t < REBALANCE_MS - 1000; t += 1000) {
      d.advance(1000);
      expect(d.heartbeat('g', follower, 1)).toBe('REBALANCE_IN_PROGRESS');
    }
    d.advance(999);
    expect(d.answered(rl)).toBe(false);
    d.advance(1);
    expect(d.reply<JoinGroupResponse>(rl).members!.map((m) => m.memberId).sort()).toEqual([leader, c.memberId].sort());
    expect(d.heartbeat('g', follower, 1)).toBe('UNKNOWN_MEMBER_ID');
  });

  it('members that never sync after a join are dropped after the rebalance timeout', () => {
    const d = new ShardDriver();
    const a = d.joinNew('g');
    const b = d.joinNew('g');
    d.advance(1000);
    const leader = d.reply<JoinGroupResponse>(a.requestId).leader!;
    const other = leader === a.memberId ? b.memberId : a.memberId;
    d.sync('g', leader, 1, [[leader, 'x']]);
    expect(d.shard.groupState('g')).toBe('Stable');
    d.advance(REBALANCE_MS);
    expect(d.heartbeat('g', other, 1)).toBe('UNKNOWN_MEMBER_ID');
  });

  it('a rejoin during CompletingRebalance answers waiting syncs with REBALANCE_IN_PROGRESS', () => {
    const d = new ShardDriver();
    const a = d.joinNew('g');
    const b = d.joinNew('g');
    d.advance(1000);
    const leader = d.reply<JoinGroupResponse>(a.requestId).leader!;
    const other = leader === a.memberId ? b.memberId : a.memberId;
    const waiting = d.sync('g', other, 1);
    d.join('g', { memberId: other, protocols: ['roundrobin', 'range'] }); // changed metadata
    expect(d.reply<SyncGroupResponse>(waiting).error?.code).toBe('REBALANCE_IN_PROGRESS');
  });

  it('does not complete a sync before the group metadata write is durable', () => {
    const d = new ShardDriver();
    const a = d.joinNew('g');
    d.advance(1000);
    d.holdWrites = true;
    const s = d.sync('g', a.memberId, 1, [[a.memberId, 'p']]);
    expect(d.answered(s)).toBe(false);
    d.releaseWrites();
    expect(d.reply<SyncGroupResponse>(s).assignment!.toString()).toBe('p');
  });

  it('a failed group write fails the sync and rebalances', () => {
    const d = new ShardDriver();
    const a = d.joinNew('g');
    d.advance(1000);
    d.holdWrites = true;
    const s = d.sync('g', a.memberId, 1, [[a.memberId, 'p']]);
    d.releaseWrites({ code: 'NOT_ENOUGH_REPLICAS', message: 'isr too small' });
    expect(d.reply<SyncGroupResponse>(s).error?.code).toBe('COORDINATOR_NOT_AVAILABLE');
    expect(d.shard.groupState('g')).toBe('PreparingRebalance');
  });
});

describe('CoordinatorShard: static membership (KIP-345)', () => {
  function staticGroup(d: ShardDriver) {
    const a = d.join('g', { instanceId: 'instance-a' });
    const b = d.join('g', { instanceId: 'instance-b' });
    d.advance(1000);
    const ja = d.reply<JoinGroupResponse>(a);
    const jb = d.reply<JoinGroupResponse>(b);
    const leader = ja.leader!;
    d.sync('g', jb.memberId!, 1, [], 'instance-b');
    d.sync('g', ja.memberId!, 1, [
      [ja.memberId!, 'A'],
      [jb.memberId!, 'B'],
    ], 'instance-a');
    expect(d.shard.groupState('g')).toBe('Stable');
    return { a: ja.memberId!, b: jb.memberId!, leader };
  }

  it('a static member joins without MEMBER_ID_REQUIRED', () => {
    const d = new ShardDriver();
    staticGroup(d);
  });

  it('a restart within the session timeout keeps the assignment and the generation, without a rebalance', () => {
    const d = new ShardDriver();
    const { b } = staticGroup(d);
    d.advance(SESSION_MS / 2);
    const r = d.join('g', { instanceId: 'instance-b' }); // the restarted process: no member id
    const reply = d.reply<JoinGroupResponse>(r);
    expect(reply.error).toBeNull();
    expect(reply.generationId).toBe(1);
    expect(reply.memberId).not.toBe(b);
    expect(reply.skipAssignment).toBe(false);
    expect(d.shard.groupState('g')).toBe('Stable');
    const s = d.sync('g', reply.memberId!, 1, [], 'instance-b');
    expect(d.reply<SyncGroupResponse>(s).assignment!.toString()).toBe('B');
    // The old incarnation is fenced.
    expect(d.heartbeat('g', b, 1, 'instance-b')).toBe('FENCED_INSTANCE_ID');
    const c = d.commit('g', b, 1, [['t', 0, 5]], undefined, 'instance-b');
    expect(d.commitCodes(c)).toEqual(['FENCED_INSTANCE_ID']);
  });

  it('a restarted static leader gets the members with skip_assignment', () => {
    const d = new ShardDriver();
    staticGroup(d);
    const r = d.join('g', { instanceId: 'instance-a' });
    const reply = d.reply<JoinGroupResponse>(r);
    expect(reply.leader).toBe(reply.memberId);
    expect(reply.skipAssignment).toBe(true);
    expect(reply.members).toHaveLength(2);
    expect(d.shard.groupState('g')).toBe('Stable');
  });

  it('a static member that stays away past its session timeout is removed', () => {
    const d = new ShardDriver();
    const { a } = staticGroup(d);
    for (let t = 0; t < SESSION_MS + 2000; t += 1000) {
      d.advance(1000);
      d.heartbeat('g', a, 1, 'instance-a');
    }
    expect(d.shard.groupState('g')).toBe('PreparingRebalance');
  });
});

describe('CoordinatorShard: group changes (what wakes held heartbeats)', () => {
  it('reports the group on every state change, and not on heartbeats, commits or fetches', () => {
    const d = new ShardDriver();
    const { leader, follower } = stableGroupOfTwo(d);
    // Empty -> PreparingRebalance -> CompletingRebalance -> Stable.
    expect(d.changed).toEqual(['g', 'g', 'g']);
    d.changed = [];
    expect(d.heartbeat('g', follower, 1)).toBe('NONE');
    expect(d.commitCodes(d.commit('g', leader, 1, [['t', 0, 5]]))).toEqual(['NONE']);
    d.fetched('g', 't', [0]);
    expect(d.changed).toEqual([]);
    d.leave('g', leader);
    expect(d.changed).toEqual(['g']);
    // The rerun of a held heartbeat now tells the member to rejoin.
    expect(d.heartbeat('g', follower, 1)).toBe('REBALANCE_IN_PROGRESS');
  });

  it('reports a session expiry and a replaced static member (whose old id is fenced without a state change)', () => {
    const d = new ShardDriver();
    const a = d.join('g', { instanceId: 'instance-a' });
    d.advance(1000);
    const memberId = d.reply<JoinGroupResponse>(a).memberId!;
    d.sync('g', memberId, 1, [[memberId, 'A']], 'instance-a');
    expect(d.shard.groupState('g')).toBe('Stable');
    d.changed = [];
    d.join('g', { instanceId: 'instance-a' });
    expect(d.changed).toEqual(['g']);
    expect(d.heartbeat('g', memberId, 1, 'instance-a')).toBe('FENCED_INSTANCE_ID');
    d.changed = [];
    d.advance(SESSION_MS + 1);
    expect(d.changed).toContain('g');
  });

  it('tells the adapter a member\'s session timeout (which bounds how long its heartbeat is held)', () => {
    const d = new ShardDriver();
    const { leader } = stableGroupOfTwo(d);
    expect(d.shard.sessionTimeoutOf('g', leader)).toBe(SESSION_MS);
    expect(d.shard.sessionTimeoutOf('g', 'nobody')).toBeUndefined();
    expect(d.shard.sessionTimeoutOf('other', leader)).toBeUndefined();
  });
});

describe('CoordinatorShard: unload', () => {
  it('unload answers every waiting join with NOT_COORDINATOR', () => {
    const d = new ShardDriver();
    const a = d.joinNew('g');
    d.apply(d.shard.unload());
    expect(d.reply<JoinGroupResponse>(a.requestId).error?.code).toBe('NOT_COORDINATOR');
  });
});
