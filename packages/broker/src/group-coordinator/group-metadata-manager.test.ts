import type { JoinGroupResponse, SyncGroupResponse } from '@quill/proto';
import { describe, expect, it } from 'vitest';
import { ShardDriver, SESSION_MS, SHARD_SETTINGS, stableGroupOfTwo } from '../test-support/coordinator-shard-driver.js';
import { CoordinatorShard } from './shard.js';

describe('CoordinatorShard: offsets', () => {
  it('commits with generation and member checks, and fetches them back', () => {
    const d = new ShardDriver();
    const { leader } = stableGroupOfTwo(d);
    expect(d.commitCodes(d.commit('g', leader, 1, [['t', 0, 10], ['t', 1, 20]]))).toEqual(['NONE', 'NONE']);
    expect(d.fetched('g', 't', [0, 1, 2])).toEqual([10, 20, -1]);
    expect(d.commitCodes(d.commit('g', leader, 0, [['t', 0, 11]]))).toEqual(['ILLEGAL_GENERATION']);
    expect(d.commitCodes(d.commit('g', 'nobody', 1, [['t', 0, 11]]))).toEqual(['UNKNOWN_MEMBER_ID']);
    expect(d.commitCodes(d.commit('g', '', -1, [['t', 0, 11]]))).toEqual(['UNKNOWN_MEMBER_ID']);
    expect(d.fetched('g', 't', [0])).toEqual([10]);
  });

  it('allows commits during PreparingRebalance, refuses them during CompletingRebalance', () => {
    const d = new ShardDriver();
    const { leader, follower } = stableGroupOfTwo(d);
    d.joinNew('g');
    expect(d.commitCodes(d.commit('g', follower, 1, [['t', 0, 3]]))).toEqual(['NONE']);
    d.join('g', { memberId: leader });
    d.join('g', { memberId: follower });
    expect(d.shard.groupState('g')).toBe('CompletingRebalance');
    expect(d.commitCodes(d.commit('g', follower, 2, [['t', 0, 4]]))).toEqual(['REBALANCE_IN_PROGRESS']);
  });

  it('accepts generation -1 with no member only for an Empty (or new) group', () => {
    const d = new ShardDriver();
    expect(d.commitCodes(d.commit('simple', '', -1, [['t', 0, 7]]))).toEqual(['NONE']);
    expect(d.shard.groupState('simple')).toBe('Empty');
    expect(d.fetched('simple', 't', [0])).toEqual([7]);
    expect(d.commitCodes(d.commit('nonexistent', 'm', 3, [['t', 0, 7]]))).toEqual(['ILLEGAL_GENERATION']);
  });

  it('acknowledges a commit only once durable, and reports a failed write', () => {
    const d = new ShardDriver();
    d.holdWrites = true;
    const c = d.commit('simple', '', -1, [['t', 0, 7]]);
    expect(d.answered(c)).toBe(false);
    expect(d.fetched('simple', 't', [0])).toEqual([-1]);
    d.releaseWrites({ code: 'NOT_LEADER_OR_FOLLOWER', message: 'moved' });
    expect(d.commitCodes(c)).toEqual(['NOT_COORDINATOR']);
    expect(d.fetched('simple', 't', [0])).toEqual([-1]);
  });

  it('refuses oversized metadata per partition', () => {
    const d = new ShardDriver();
    expect(d.commitCodes(d.commit('simple', '', -1, [['t', 0, 1]], 'x'.repeat(SHARD_SETTINGS.offsetMetadataMaxBytes + 1)))).toEqual(['OFFSET_METADATA_TOO_LARGE']);
  });
});

describe('CoordinatorShard: admin and reload', () => {
  it('lists and describes groups; deletes only empty ones, with tombstones', () => {
    const d = new ShardDriver();
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
    const d = new ShardDriver();
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
});

describe('CoordinatorShard: offset retention', () => {
  const RETENTION_MS = 60_000;
  const CHECK_MS = 1_000;
  /** A loaded shard with a short retention, so the checks run at the driver's deadlines. */
  function retaining(): ShardDriver {
    const d = new ShardDriver(new CoordinatorShard({ ...SHARD_SETTINGS, offsetsRetentionMs: RETENTION_MS, offsetsRetentionCheckIntervalMs: CHECK_MS }));
    d.shard.loaded(d.now);
    return d;
  }

  it("keeps a live group's offsets, and expires them retention after the group became empty, with tombstones", () => {
    const d = retaining();
    const { leader, follower } = stableGroupOfTwo(d);
    d.commit('g', leader, 1, [['t', 0, 10], ['t', 1, 20]]);
    for (let i = 0; i < 12; i++) {
      d.advance(SESSION_MS / 2);
      expect([d.heartbeat('g', leader, 1), d.heartbeat('g', follower, 1)]).toEqual(['NONE', 'NONE']);
    }
    expect(d.fetched('g', 't', [0, 1])).toEqual([10, 20]);
    d.leave('g', leader);
    d.leave('g', follower);
    expect(d.shard.groupState('g')).toBe('Empty');
    d.advance(RETENTION_MS - CHECK_MS);
    expect(d.fetched('g', 't', [0, 1])).toEqual([10, 20]);
    d.advance(2 * CHECK_MS);
    expect(d.fetched('g', 't', [0, 1])).toEqual([-1, -1]);
    expect(d.shard.groupState('g')).toBeUndefined();
    expect(d.log.filter((r) => r.groupId === 'g' && r.value === null).map((r) => r.kind)).toEqual(['offset', 'offset', 'group']);
    const reloaded = d.reload();
    expect(reloaded.fetched('g', 't', [0, 1])).toEqual([-1, -1]);
    expect(reloaded.shard.groupState('g')).toBeUndefined();
  });

  it('expires standalone commits (a group that never had members) retention after each commit', () => {
    const d = retaining();
    d.commit('simple', '', -1, [['t', 0, 7]]);
    d.advance(RETENTION_MS / 2);
    d.commit('simple', '', -1, [['t', 1, 8]]);
    d.advance(RETENTION_MS / 2 + CHECK_MS);
    expect(d.fetched('simple', 't', [0, 1])).toEqual([-1, 8]);
    expect(d.shard.groupState('simple')).toBe('Empty');
    d.advance(RETENTION_MS / 2);
    expect(d.fetched('simple', 't', [0, 1])).toEqual([-1, -1]);
    expect(d.shard.groupState('simple')).toBeUndefined();
    expect(d.reload().fetched('simple', 't', [0, 1])).toEqual([-1, -1]);
  });

  it('removes an Empty group that has no offsets at the next check, with a tombstone', () => {
    const d = retaining();
    const { leader, follower } = stableGroupOfTwo(d);
    d.leave('g', leader);
    d.leave('g', follower);
    expect(d.shard.groupState('g')).toBe('Empty');
    d.advance(CHECK_MS);
    expect(d.shard.groupState('g')).toBeUndefined();
    expect(d.log.filter((r) => r.groupId === 'g' && r.value === null).map((r) => r.kind)).toEqual(['group']);
    expect(d.reload().shard.groupState('g')).toBeUndefined();
  });

  it("writes each group's tombstones on their own, and keeps a commit that arrives while they are written", () => {
    const d = retaining();
    d.commit('a', '', -1, [['t', 0, 1]]);
    d.commit('b', '', -1, [['t', 0, 2]]);
    d.holdWrites = true;
    d.advance(RETENTION_MS + CHECK_MS);
    expect(d.held.map((w) => w.records.map((r) => `${r.groupId}:${r.kind}`))).toEqual([
      ['a:offset', 'a:group'],
      ['b:offset', 'b:group'],
    ]);
    const recommit = d.commit('a', '', -1, [['t', 0, 5]]);
    d.releaseWrites();
    expect(d.commitCodes(recommit)).toEqual(['NONE']);
    expect(d.fetched('a', 't', [0])).toEqual([5]);
    expect(d.fetched('b', 't', [0])).toEqual([-1]);
    expect(d.shard.groupState('b')).toBeUndefined();
    // The log has the tombstones, then the commit: a reload sees the commit too.
    expect(d.reload().fetched('a', 't', [0])).toEqual([5]);
  });

  it('never expires an offset whose newer commit is still being written, and keeps offsets whose tombstones failed', () => {
    const d = retaining();
    d.commit('simple', '', -1, [['t', 0, 7]]);
    d.advance(RETENTION_MS - CHECK_MS);
    d.holdWrites = true;
    const recommit = d.commit('simple', '', -1, [['t', 0, 9]]);
    d.advance(2 * CHECK_MS);
    expect(d.held).toHaveLength(1);
    d.releaseWrites();
    expect(d.commitCodes(recommit)).toEqual(['NONE']);
    d.advance(RETENTION_MS + CHECK_MS);
    expect(d.held.flatMap((w) => w.records.map((r) => r.value))).toEqual([null, null]);
    d.releaseWrites({ code: 'NOT_LEADER_OR_FOLLOWER', message: 'moved' });
    expect(d.fetched('simple', 't', [0])).toEqual([9]);
  });
});
