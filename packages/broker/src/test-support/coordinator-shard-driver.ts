import type { ErrorCode, JoinGroupResponse, OffsetCommitResponse, SyncGroupResponse } from '@quill/proto';
import { expect } from 'vitest';
import type { CoordinatorRecord } from '../group-coordinator/coordinator-record.js';
import type { Effects, Reply, Write } from '../group-coordinator/effects.js';
import { CoordinatorShard, type GroupCoordinatorSettings } from '../group-coordinator/shard.js';

export const SHARD_SETTINGS: GroupCoordinatorSettings = {
  minSessionTimeoutMs: 1000,
  maxSessionTimeoutMs: 60_000,
  initialRebalanceDelayMs: 100,
  groupMaxSize: 5,
  offsetMetadataMaxBytes: 16,
  offsetsRetentionMs: 7 * 24 * 3_600_000,
  offsetsRetentionCheckIntervalMs: 600_000,
};

export const SESSION_MS = 10_000;
export const REBALANCE_MS = 30_000;

/**
 * Drives a shard the way the adapter does: numbered requests, a virtual clock, and a log that
 * takes writes (automatically durable unless `holdWrites` is set) and can be replayed.
 */
/**
 * Moves a shard's time `ms` past `now`, ticking it at each deadline that falls due on the way and
 * applying what each tick emits at its time; returns the new time.
 */
export function advanceShard(shard: CoordinatorShard, now: number, ms: number, apply: (effects: Effects, at: number) => void): number {
  const target = now + ms;
  let current = now;
  for (;;) {
    const next = shard.nextDeadline();
    if (next === undefined || next > target) break;
    current = Math.max(current, next);
    apply(shard.tick(current), current);
  }
  return target;
}

export class ShardDriver {
  now = 1_000;
  private nextRequest = 1;
  private nextMember = 1;
  readonly replies = new Map<number, Reply['response']>();
  readonly log: CoordinatorRecord[] = [];
  held: Write[] = [];
  holdWrites = false;
  /** Every changedGroups entry, in order (what wakes held long-poll heartbeats in the adapter). */
  changed: string[] = [];

  constructor(public shard = new CoordinatorShard(SHARD_SETTINGS)) {}

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
    this.now = advanceShard(this.shard, this.now, ms, (effects, at) => {
      this.now = at;
      this.apply(effects);
    });
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
  reload(): ShardDriver {
    const next = new ShardDriver(new CoordinatorShard(SHARD_SETTINGS));
    next.now = this.now;
    next.nextMember = 1000;
    for (const record of this.log) next.shard.replay(record, next.now);
    next.shard.loaded(next.now);
    next.log.push(...this.log);
    return next;
  }
}

/** Two dynamic members through a full first rebalance; returns their ids and the generation. */
export function stableGroupOfTwo(d: ShardDriver, groupId = 'g') {
  const a = d.joinNew(groupId);
  const b = d.joinNew(groupId);
  expect(d.answered(a.requestId)).toBe(false); // the initial delay holds the first generation
  d.advance(SHARD_SETTINGS.initialRebalanceDelayMs * 3);
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
