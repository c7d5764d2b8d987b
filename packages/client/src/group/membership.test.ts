import { ErrorCode } from '@quill/proto';
import { describe, expect, it } from 'vitest';
import { Membership, groupErrorAction } from './membership.js';

const joined = (over: Partial<Parameters<Membership['onJoinResult']>[0]> = {}) => ({
  errorCode: ErrorCode.NONE,
  memberId: 'm-1',
  generationId: 7,
  leader: 'm-1',
  protocolName: 'range',
  ...over,
});

function stableMember(): Membership {
  const m = new Membership();
  m.beginJoin();
  m.onJoinResult(joined());
  m.onSyncResult(ErrorCode.NONE);
  return m;
}

describe('Membership (the group protocol state machine)', () => {
  it('joins: MEMBER_ID_REQUIRED hands out the id to join with, then join → sync → stable', () => {
    const m = new Membership();
    expect(m.pendingRejoin).toBe('initial join');
    expect(m.beginJoin()).toEqual({ memberId: '', reason: 'initial join' });
    expect(m.onJoinResult(joined({ errorCode: ErrorCode.MEMBER_ID_REQUIRED, memberId: 'm-1', generationId: -1 }))).toEqual({ kind: 'join-again' });
    expect(m.phase).toBe('joining');
    expect(m.beginJoin().memberId).toBe('m-1');
    expect(m.onJoinResult(joined({ leader: 'm-2' }))).toEqual({ kind: 'sync', isLeader: false });
    expect(m).toMatchObject({ phase: 'syncing', memberId: 'm-1', generationId: 7, leaderId: 'm-2', protocolName: 'range' });
    expect(m.onSyncResult(ErrorCode.NONE)).toEqual({ kind: 'stable' });
    expect(m.phase).toBe('stable');
    expect(m.pendingRejoin).toBeUndefined();
  });

  it('REBALANCE_IN_PROGRESS on heartbeat: rejoin, keeping member id and generation (an eager member commits in it first)', () => {
    const m = stableMember();
    expect(m.onHeartbeatResult(ErrorCode.REBALANCE_IN_PROGRESS)).toBe('rejoin');
    expect(m).toMatchObject({ phase: 'unjoined', memberId: 'm-1', generationId: 7, pendingRejoin: ErrorCode.REBALANCE_IN_PROGRESS });
    expect(m.beginJoin().memberId).toBe('m-1');
  });

  it('ILLEGAL_GENERATION drops the generation; UNKNOWN_MEMBER_ID drops the member id too', () => {
    const a = stableMember();
    expect(a.onHeartbeatResult(ErrorCode.ILLEGAL_GENERATION)).toBe('rejoin');
    expect(a).toMatchObject({ phase: 'unjoined', memberId: 'm-1', generationId: -1 });
    const b = stableMember();
    expect(b.onHeartbeatResult(ErrorCode.UNKNOWN_MEMBER_ID)).toBe('rejoin-as-new-member');
    expect(b).toMatchObject({ phase: 'unjoined', memberId: '', generationId: -1 });
    const c = new Membership();
    c.beginJoin();
    expect(c.onJoinResult(joined({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, memberId: '' }))).toEqual({ kind: 'join-again' });
  });

  it('a moved coordinator keeps a stable member stable; the same during a join starts the join over', () => {
    const m = stableMember();
    expect(m.onHeartbeatResult(ErrorCode.NOT_COORDINATOR)).toBe('find-coordinator');
    expect(m.phase).toBe('stable');
    expect(m.onHeartbeatResult(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)).toBe('retry');
    expect(m.phase).toBe('stable');

    const j = new Membership();
    j.beginJoin();
    expect(j.onJoinResult(joined({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE }))).toEqual({ kind: 'failed', action: 'find-coordinator' });
    expect(j.phase).toBe('unjoined');
    expect(j.pendingRejoin).toBeDefined();
  });

  it('a sync that finds a new rebalance goes back to joining', () => {
    const m = new Membership();
    m.beginJoin();
    m.onJoinResult(joined());
    expect(m.isLeader).toBe(true);
    expect(m.onSyncResult(ErrorCode.REBALANCE_IN_PROGRESS)).toEqual({ kind: 'failed', action: 'rejoin' });
    expect(m.phase).toBe('unjoined');
  });

  it('fatal codes are fatal; leaving resets the member', () => {
    expect(groupErrorAction(ErrorCode.FENCED_INSTANCE_ID)).toBe('fatal');
    expect(groupErrorAction(ErrorCode.INCONSISTENT_GROUP_PROTOCOL)).toBe('fatal');
    expect(groupErrorAction(ErrorCode.INVALID_SESSION_TIMEOUT)).toBe('fatal');
    expect(groupErrorAction(ErrorCode.NETWORK_EXCEPTION)).toBe('find-coordinator');
    const m = stableMember();
    m.left('shutdown');
    expect(m).toMatchObject({ phase: 'unjoined', memberId: '', generationId: -1, pendingRejoin: 'shutdown' });
  });

  it('refuses steps out of order', () => {
    const m = new Membership();
    expect(() => m.onSyncResult(ErrorCode.NONE)).toThrow(/expected phase syncing/);
    expect(() => m.onJoinResult(joined())).toThrow(/expected phase joining/);
    m.beginJoin();
    m.onJoinResult(joined());
    expect(() => m.beginJoin()).toThrow(/no transition from syncing to joining/);
  });
});
