import type { ErrorCode, JoinGroupResponse, OffsetCommitResponse, SyncGroupResponse } from '@quill/proto';
import { describe, expect, it } from 'vitest';
import type { CoordinatorRecord } from './coordinator-record.js';
import type { Effects, Reply, Write } from './effects.js';
import { CoordinatorShard, type GroupCoordinatorSettings } from './shard.js';

const SETTINGS: GroupCoordinatorSettings = {
  minSessionTimeoutMs: 1000,
  maxSessionTimeoutMs: 60_000,
  initialRebalanceDelayMs: 100,
  groupMaxSize: 5,
  offsetMetadataMaxBytes: 16,
};

const SESSION_MS = 10_000;
const REBALANCE_MS = 30_000;

/**
 * Drives a shard the way the adapter does: numbered requests, a virtual clock, and a log that
 * takes writes (automatically durable unless `holdWrites` is set) and can be replayed.
 */
class Driver {
  now = 1_000;
  private nextRequest = 1;
  private nextMember = 1;
  readonly replies = new Map<number, Reply['response']>();
  readonly log: CoordinatorRecord[] = [];
  held: Write[] = [];
  holdWrites = false;
  /** Every changedGroups entry, in order (what wakes held long-poll heartbeats in the adapter). */
  changed: string[] = [];

  constructor(public shard = new CoordinatorShard(SETTINGS)) {}

  apply(effects: Effects): void {
    for (const r of effects.replies) {
      if (this.replies.has(r.requestId)) throw new Error(`request ${r.requestId} answered twice`);
      this.replies.set(r.requestId, r.response);
    }
    this.changed.push(...effects.changedGroups);
    for (const w of effects.writes) {
      if (this.holdWrites) this.held.push(w);
      else this.complete(w);
    }
  }

  complete(write: Write, failure?: { code: ErrorCode; message: string }): void {
    if (failure === undefined) this.log.push(...write.records);
    this.apply(this.shard.writeCompleted(this.now, write.writeId, failure));
  }

  releaseWrites(failure?: { code: ErrorCode; message: string }): void {
    const held = this.held;
    this.held = [];
    for (const w of held) this.complete(w, failure);
  }

  advance(ms: number): void {
    const target = this.now + ms;
    for (;;) {
      const next = this.shard.nextDeadline();
      if (next === undefined || next > target) break;
      this.now = Math.max(this.now, next);
      this.apply(this.shard.tick(this.now));
    }
    this.now = target;
  }

  join(groupId: string, options: { memberId?: string; instanceId?: string; protocols?: string[]; metadata?: string; sessionTimeoutMs?: number } = {}): number {
    const requestId = this.nextRequest++;
    const protocols = (options.protocols ?? ['range']).map((name) => ({ name, metadata: Buffer.from(options.metadata ?? `${name}-meta`) }));
    this.apply(
      this.shard.join(
        this.now,
        requestId,
        {
          groupId,
          sessionTimeoutMs: options.sessionTimeoutMs ?? SESSION_MS,
          rebalanceTimeoutMs: REBALANCE_MS,
          memberId: options.memberId ?? '',
          ...(options.instanceId === undefined ? {} : { groupInstanceId: options.instanceId }),
          protocolType: 'consumer',
          protocols,
          reason: '',
        },
        { clientId: 'client', clientHost: '/127.0.0.1', newMemberId: `member-${this.nextMember++}` },
      ),
    );
    return requestId;
  }

  /** KIP-394: the first join gets MEMBER_ID_REQUIRED; rejoin with the id. */
  joinNew(groupId: string, options: { protocols?: string[]; metadata?: string } = {}): { requestId: number; memberId: string } {
    const first = this.reply<JoinGroupResponse>(this.join(groupId, options));
    expect(first.error?.code).toBe('MEMBER_ID_REQUIRED');
    return { requestId: this.join(groupId, { ...options, memberId: first.memberId! }), memberId: first.memberId! };
  }

  sync(groupId: string, memberId: string, generationId: number, assignments: Array<[string, string]> = [], instanceId?: string): number {
    const requestId = this.nextRequest++;
    this.apply(
      this.shard.sync(this.now, requestId, {
        groupId,
        generationId,
        memberId,
        ...(instanceId === undefined ? {} : { groupInstanceId: instanceId }),
        protocolType: 'consumer',
        protocolName: '',
        assignments: assignments.map(([m, a]) => ({ memberId: m, assignment: Buffer.from(a) })),
      }),
    );
    return requestId;
  }

  heartbeat(groupId: string, memberId: string, generationId: number, instanceId?: string): ErrorCode {
    const requestId = this.nextRequest++;
    this.apply(this.shard.heartbeat(this.now, requestId, { groupId, generationId, memberId, ...(instanceId === undefined ? {} : { groupInstanceId: instanceId }) }));
    return this.reply<{ error: { code: ErrorCode } | null }>(requestId).error?.code ?? 'NONE';
  }

  leave(groupId: string, memberId: string): void {
    const requestId = this.nextRequest++;
    this.apply(this.shard.leave(this.now, requestId, { groupId, members: [{ memberId, reason: '' }] }));
    expect(this.reply(requestId)).toBeDefined();
  }

  commit(groupId: string, memberId: string, generationId: number, offsets: Array<[string, number, number]>, metadata?: string, instanceId?: string): number {
    const requestId = this.nextRequest++;
    this.apply(
      this.shard.commitOffsets(this.now, requestId, {
        groupId,
        generationId,
        memberId,
        ...(instanceId === undefined ? {} : { groupInstanceId: instanceId }),
        topics: [...new Set(offsets.map(([t]) => t))].map((name) => ({
          name,
          partitions: offsets
            .filter(([t]) => t === name)
            .map(([, partition, offset]) => ({ partition, committedOffset: offset, committedLeaderEpoch: -1, ...(metadata === undefined ? {} : { committedMetadata: metadata }) })),
        })),
      }),
    );
    return requestId;
  }

  commitCodes(requestId: number): ErrorCode[] {
    return this.reply<OffsetCommitResponse>(requestId).topics!.flatMap((t) => t.partitions!.map((p) => p.errorCode as ErrorCode));
  }

  fetched(groupId: string, topic: string, partitions: number[]): number[] {
    const response = this.shard.fetchOffsets({ groupId, topics: [{ topic, partitions }], requireStable: false });
    return response.topics![0]!.partitions!.map((p) => p.committedOffset as number);
  }

  reply<T>(requestId: number): T {
    const response = this.replies.get(requestId);
    if (response === undefined) throw new Error(`request ${requestId} has no reply yet`);
    return response as T;
  }

  answered(requestId: number): boolean {
    return this.replies.has(requestId);
  }

  /** A new shard loaded from this driver's log, as a new coordinator would. */
  reload(): Driver {
    const next = new Driver(new CoordinatorShard(SETTINGS));
    next.now = this.now;
    next.nextMember = 1000;
    for (const record of this.log) next.shard.replay(record, next.now);
    next.shard.loaded(next.now);
    next.log.push(...this.log);
    return next;
  }
}

/** Two dynamic members through a full first rebalance; returns their ids and the generation. */
function stableGroupOfTwo(d: Driver, groupId = 'g') {
  const a = d.joinNew(groupId);
  const b = d.joinNew(groupId);
  expect(d.answered(a.requestId)).toBe(false); // the initial delay holds the first generation
  d.advance(SETTINGS.initialRebalanceDelayMs * 3);
  const ja = d.reply<JoinGroupResponse>(a.requestId);
  const jb = d.reply<JoinGroupResponse>(b.requestId);
  expect(ja.error).toBeNull();
  expect(jb.generationId).toBe(1);
  const leader = ja.leader!;
  const follower = leader === a.memberId ? b.memberId : a.memberId;
  const leaderReply = leader === a.memberId ? ja : jb;
  expect(leaderReply.members!.map((m) => m.memberId).sort()).toEqual([a.memberId, b.memberId].sort());
  const followerSync = d.sync(groupId, follower, 1);
  expect(d.answered(followerSync)).toBe(false);
  const leaderSync = d.sync(groupId, leader, 1, [
    [leader, 'p0'],
    [follower, 'p1'],
  ]);
  expect(d.reply<SyncGroupResponse>(leaderSync).assignment!.toString()).toBe('p0');
  expect(d.reply<SyncGroupResponse>(followerSync).assignment!.toString()).toBe('p1');
  expect(d.shard.groupState(groupId)).toBe('Stable');
  return { leader, follower, generation: 1 };
}

describe('CoordinatorShard: joining', () => {
  it('hands out a member id first (KIP-394), then completes the join after the initial delay', () => {
    const d = new Driver();
    stableGroupOfTwo(d);
  });

  it('extends the initial delay while new members keep arriving, up to the rebalance timeout', () => {
    const d = new Driver();
    const first = d.joinNew('g');
    d.advance(SETTINGS.initialRebalanceDelayMs - 10);
    const second = d.joinNew('g');
    d.advance(20); // the first delay ended, but a member arrived during it: one more delay
    expect(d.answered(first.requestId)).toBe(false);
    d.advance(SETTINGS.initialRebalanceDelayMs);
    expect(d.reply<JoinGroupResponse>(first.requestId).generationId).toBe(1);
    expect(d.reply<JoinGroupResponse>(second.requestId).generationId).toBe(1);
  });

  it('completes a later rebalance as soon as every known member rejoined', () => {
    const d = new Driver();
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
    const d = new Driver();
    const { follower } = stableGroupOfTwo(d);
    const r = d.join('g', { memberId: follower });
    expect(d.reply<JoinGroupResponse>(r).generationId).toBe(1);
    expect(d.shard.groupState('g')).toBe('Stable');
  });

  it('rejects unknown members, bad session timeouts, inconsistent protocols and a full group', () => {
    const d = new Driver();
    expect(d.reply<JoinGroupResponse>(d.join('g', { memberId: 'nobody' })).error?.code).toBe('UNKNOWN_MEMBER_ID');
    expect(d.reply<JoinGroupResponse>(d.join('g', { sessionTimeoutMs: 10 })).error?.code).toBe('INVALID_SESSION_TIMEOUT');
    expect(d.reply<JoinGroupResponse>(d.join('')).error?.code).toBe('INVALID_GROUP_ID');
    d.joinNew('g', { protocols: ['range'] });
    expect(d.reply<JoinGroupResponse>(d.join('g', { protocols: ['roundrobin'] })).error?.code).toBe('INCONSISTENT_GROUP_PROTOCOL');
    for (let i = 0; i < SETTINGS.groupMaxSize - 1; i++) d.joinNew('g');
    expect(d.reply<JoinGroupResponse>(d.join('g')).error?.code).toBe('GROUP_MAX_SIZE_REACHED');
  });

  it('forgets a member id that never comes back, and the group it alone made', () => {
    const d = new Driver();
    expect(d.reply<JoinGroupResponse>(d.join('g')).error?.code).toBe('MEMBER_ID_REQUIRED');
    expect(d.shard.groupState('g')).toBe('Empty');
    d.advance(SESSION_MS);
    expect(d.shard.groupState('g')).toBeUndefined();
  });

  it('selects the protocol every member supports, by the members\' preference votes', () => {
    const d = new Driver();
    const a = d.joinNew('g', { protocols: ['cooperative-sticky', 'range'] });
    const b = d.joinNew('g', { protocols: ['range', 'cooperative-sticky'] });
    const c = d.joinNew('g', { protocols: ['cooperative-sticky'] });
    d.advance(1000);
    for (const { requestId } of [a, b, c]) expect(d.reply<JoinGroupResponse>(requestId).protocolName).toBe('cooperative-sticky');
  });

  it('passes cooperative protocols\' metadata through untouched', () => {
    const d = new Driver();
    const meta = 'owned-partitions:t-0,t-1';
    const a = d.joinNew('g', { protocols: ['cooperative-sticky'], metadata: meta });
    d.advance(1000);
    const reply = d.reply<JoinGroupResponse>(a.requestId);
    expect(Buffer.from(reply.members![0]!.metadata as Buffer).toString()).toBe(meta);
  });
});

describe('CoordinatorShard: sync, heartbeat and leave', () => {
  it('checks generation and membership on heartbeat and sync', () => {
    const d = new Driver();
    const { leader } = stableGroupOfTwo(d);
    expect(d.heartbeat('g', leader, 1)).toBe('NONE');
    expect(d.heartbeat('g', leader, 0)).toBe('ILLEGAL_GENERATION');
    expect(d.heartbeat('g', 'nobody', 1)).toBe('UNKNOWN_MEMBER_ID');
    expect(d.heartbeat('other', leader, 1)).toBe('UNKNOWN_MEMBER_ID');
    expect(d.reply<SyncGroupResponse>(d.sync('g', leader, 7)).error?.code).toBe('ILLEGAL_GENERATION');
  });

  it('a member leaving makes the others rejoin; the last one leaving empties the group', () => {
    const d = new Driver();
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
    const d = new Driver();
    const { leader, follower } = stableGroupOfTwo(d);
    for (let t = 0; t < SESSION_MS * 1.5; t += 1000) {
      d.advance(1000);
      expect(d.heartbeat('g', leader, 1)).toBe(t + 1000 >= SESSION_MS ? 'REBALANCE_IN_PROGRESS' : 'NONE');
    }
    expect(d.heartbeat('g', follower, 1)).toBe('UNKNOWN_MEMBER_ID');
  });

  it('the rebalance timeout drops members that do not rejoin', () => {
    const d = new Driver();
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
    const d = new Driver();
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
    const d = new Driver();
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
    const d = new Driver();
    const a = d.joinNew('g');
    d.advance(1000);
    d.holdWrites = true;
    const s = d.sync('g', a.memberId, 1, [[a.memberId, 'p']]);
    expect(d.answered(s)).toBe(false);
    d.releaseWrites();
    expect(d.reply<SyncGroupResponse>(s).assignment!.toString()).toBe('p');
  });

  it('a failed group write fails the sync and rebalances', () => {
    const d = new Driver();
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
  function staticGroup(d: Driver) {
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
    const d = new Driver();
    staticGroup(d);
  });

  it('a restart within the session timeout keeps the assignment and the generation, without a rebalance', () => {
    const d = new Driver();
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
    const d = new Driver();
    staticGroup(d);
    const r = d.join('g', { instanceId: 'instance-a' });
    const reply = d.reply<JoinGroupResponse>(r);
    expect(reply.leader).toBe(reply.memberId);
    expect(reply.skipAssignment).toBe(true);
    expect(reply.members).toHaveLength(2);
    expect(d.shard.groupState('g')).toBe('Stable');
  });

  it('a static member that stays away past its session timeout is removed', () => {
    const d = new Driver();
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
    const d = new Driver();
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
    const d = new Driver();
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
    const d = new Driver();
    const { leader } = stableGroupOfTwo(d);
    expect(d.shard.sessionTimeoutOf('g', leader)).toBe(SESSION_MS);
    expect(d.shard.sessionTimeoutOf('g', 'nobody')).toBeUndefined();
    expect(d.shard.sessionTimeoutOf('other', leader)).toBeUndefined();
  });
});

describe('CoordinatorShard: offsets', () => {
  it('commits with generation and member checks, and fetches them back', () => {
    const d = new Driver();
    const { leader } = stableGroupOfTwo(d);
    expect(d.commitCodes(d.commit('g', leader, 1, [['t', 0, 10], ['t', 1, 20]]))).toEqual(['NONE', 'NONE']);
    expect(d.fetched('g', 't', [0, 1, 2])).toEqual([10, 20, -1]);
    expect(d.commitCodes(d.commit('g', leader, 0, [['t', 0, 11]]))).toEqual(['ILLEGAL_GENERATION']);
    expect(d.commitCodes(d.commit('g', 'nobody', 1, [['t', 0, 11]]))).toEqual(['UNKNOWN_MEMBER_ID']);
    expect(d.commitCodes(d.commit('g', '', -1, [['t', 0, 11]]))).toEqual(['UNKNOWN_MEMBER_ID']);
    expect(d.fetched('g', 't', [0])).toEqual([10]);
  });

  it('allows commits during PreparingRebalance, refuses them during CompletingRebalance', () => {
    const d = new Driver();
    const { leader, follower } = stableGroupOfTwo(d);
    d.joinNew('g');
    expect(d.commitCodes(d.commit('g', follower, 1, [['t', 0, 3]]))).toEqual(['NONE']);
    d.join('g', { memberId: leader });
    d.join('g', { memberId: follower });
    expect(d.shard.groupState('g')).toBe('CompletingRebalance');
    expect(d.commitCodes(d.commit('g', follower, 2, [['t', 0, 4]]))).toEqual(['REBALANCE_IN_PROGRESS']);
  });

  it('accepts generation -1 with no member only for an Empty (or new) group', () => {
    const d = new Driver();
    expect(d.commitCodes(d.commit('simple', '', -1, [['t', 0, 7]]))).toEqual(['NONE']);
    expect(d.shard.groupState('simple')).toBe('Empty');
    expect(d.fetched('simple', 't', [0])).toEqual([7]);
    expect(d.commitCodes(d.commit('nonexistent', 'm', 3, [['t', 0, 7]]))).toEqual(['ILLEGAL_GENERATION']);
  });

  it('acknowledges a commit only once durable, and reports a failed write', () => {
    const d = new Driver();
    d.holdWrites = true;
    const c = d.commit('simple', '', -1, [['t', 0, 7]]);
    expect(d.answered(c)).toBe(false);
    expect(d.fetched('simple', 't', [0])).toEqual([-1]);
    d.releaseWrites({ code: 'NOT_LEADER_OR_FOLLOWER', message: 'moved' });
    expect(d.commitCodes(c)).toEqual(['NOT_COORDINATOR']);
    expect(d.fetched('simple', 't', [0])).toEqual([-1]);
  });

  it('refuses oversized metadata per partition', () => {
    const d = new Driver();
    expect(d.commitCodes(d.commit('simple', '', -1, [['t', 0, 1]], 'x'.repeat(SETTINGS.offsetMetadataMaxBytes + 1)))).toEqual(['OFFSET_METADATA_TOO_LARGE']);
  });
});

describe('CoordinatorShard: admin and reload', () => {
  it('lists and describes groups; deletes only empty ones, with tombstones', () => {
    const d = new Driver();
    stableGroupOfTwo(d, 'busy');
    d.commit('idle', '', -1, [['t', 0, 1]]);
    expect(d.shard.listGroups([]).map((g) => `${g.groupId}:${g.groupState}`).sort()).toEqual(['busy:Stable', 'idle:Empty']);
    expect(d.shard.listGroups(['stable']).map((g) => g.groupId)).toEqual(['busy']);
    const described = d.shard.describeGroup('busy');
    expect(described.protocolName).toBe('range');
    expect(described.members!.map((m) => m.clientHost)).toEqual(['/127.0.0.1', '/127.0.0.1']);
    expect(d.shard.describeGroup('missing').groupState).toBe('Dead');
    const effects = d.shard.deleteGroups(d.now, 999, ['busy', 'idle', 'missing']);
    d.apply(effects);
    const results = d.reply<{ results: Array<{ groupId: string; errorCode: string }> }>(999).results;
    expect(results.map((r) => r.errorCode)).toEqual(['NON_EMPTY_GROUP', 'NONE', 'GROUP_ID_NOT_FOUND']);
    expect(d.log.filter((r) => r.groupId === 'idle' && r.value === null)).toHaveLength(2);
    const reloaded = d.reload();
    expect(reloaded.shard.groupState('idle')).toBeUndefined();
    expect(reloaded.fetched('idle', 't', [0])).toEqual([-1]);
  });

  it('a reloaded coordinator has the groups, generations, assignments and offsets of the log', () => {
    const d = new Driver();
    const { leader, follower } = stableGroupOfTwo(d);
    d.commit('g', leader, 1, [['t', 0, 42]]);
    const r = d.reload();
    expect(r.shard.groupState('g')).toBe('Stable');
    expect(r.fetched('g', 't', [0])).toEqual([42]);
    expect(r.heartbeat('g', follower, 1)).toBe('NONE');
    const s = r.sync('g', follower, 1);
    expect(r.reply<SyncGroupResponse>(s).assignment!.toString()).toBe('p1');
    // Members rejoin the new coordinator with their ids; the group rebalances to generation 2.
    const rl = r.join('g', { memberId: leader });
    const rf = r.join('g', { memberId: follower });
    expect(r.reply<JoinGroupResponse>(rl).generationId).toBe(2);
    expect(r.reply<JoinGroupResponse>(rf).generationId).toBe(2);
  });

  it('unload answers every waiting join with NOT_COORDINATOR', () => {
    const d = new Driver();
    const a = d.joinNew('g');
    d.apply(d.shard.unload());
    expect(d.reply<JoinGroupResponse>(a.requestId).error?.code).toBe('NOT_COORDINATOR');
  });
});
