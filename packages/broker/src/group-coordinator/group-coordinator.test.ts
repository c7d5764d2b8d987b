import { ManualClock } from '@quill/clock';
import type { HeartbeatResponse, JoinGroupRequest__Output } from '@quill/proto';
import { describe, expect, it } from 'vitest';
import type { GroupCoordinator } from './group-coordinator.js';
import { singlePartitionCoordinator } from './single-partition-coordinator.test-data.js';

// The coordinator's timers on a manual clock: a held heartbeat and a member's session end when
// the clock the coordinator was given passes them, never earlier.

const GROUP = 'orders-app';
const SESSION_MS = 9_000;
const HELD_MS = SESSION_MS / 3;
const INITIAL_REBALANCE_DELAY_MS = 100;
const CLIENT = { clientId: 'app', clientHost: '/127.0.0.1' };

function joinRequest(memberId: string): JoinGroupRequest__Output {
  return {
    groupId: GROUP,
    sessionTimeoutMs: SESSION_MS,
    rebalanceTimeoutMs: 30_000,
    memberId,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from('m') }],
    reason: '',
  };
}

/** Lets promise callbacks (appends completing, replies resolving) run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A one-member group in Stable state, at generation 1. */
async function stableMember(clock: ManualClock, coordinator: GroupCoordinator): Promise<string> {
  const first = await coordinator.join(joinRequest(''), CLIENT);
  expect(first.error?.code).toBe('MEMBER_ID_REQUIRED');
  const joining = coordinator.join(joinRequest(first.memberId!), CLIENT);
  clock.advance(INITIAL_REBALANCE_DELAY_MS);
  const joined = await joining;
  expect(joined).toMatchObject({ error: null, generationId: 1, leader: first.memberId });
  const synced = await coordinator.sync({
    groupId: GROUP,
    generationId: 1,
    memberId: first.memberId!,
    protocolType: 'consumer',
    protocolName: '',
    assignments: [{ memberId: first.memberId!, assignment: Buffer.from('a') }],
  });
  expect(synced.error).toBeNull();
  return first.memberId!;
}

describe('GroupCoordinator on a manual clock', () => {
  it('answers a held heartbeat NONE only when the clock reaches its wait', async () => {
    const clock = new ManualClock(1_000_000);
    const coordinator = singlePartitionCoordinator(clock, INITIAL_REBALANCE_DELAY_MS);
    const memberId = await stableMember(clock, coordinator);

    let answer: HeartbeatResponse | undefined;
    void coordinator.heartbeat({ groupId: GROUP, generationId: 1, memberId, maxWaitMs: HELD_MS }).then((response) => (answer = response));
    await settle();
    clock.advance(HELD_MS - 1);
    await settle();
    expect(answer).toBeUndefined();
    clock.advance(1);
    await settle();
    expect(answer).toEqual({ error: null });
    coordinator.stop();
  });

  it('drops a silent member when the clock passes its session timeout, not before', async () => {
    const clock = new ManualClock(1_000_000);
    const coordinator = singlePartitionCoordinator(clock, INITIAL_REBALANCE_DELAY_MS);
    const memberId = await stableMember(clock, coordinator);

    clock.advance(SESSION_MS - 1);
    expect(coordinator.describeGroups([GROUP])[0]).toMatchObject({ groupState: 'Stable', members: [{ memberId }] });
    clock.advance(1);
    expect(coordinator.describeGroups([GROUP])[0]).toMatchObject({ groupState: 'Empty', members: [] });
    const late = await coordinator.heartbeat({ groupId: GROUP, generationId: 1, memberId, maxWaitMs: 0 });
    expect(late.error?.code).toBe('UNKNOWN_MEMBER_ID');
    coordinator.stop();
  });

  it('expires the offsets of a group offsets.retention.minutes after it became empty, at a retention check', async () => {
    const clock = new ManualClock(1_000_000);
    const coordinator = singlePartitionCoordinator(clock, INITIAL_REBALANCE_DELAY_MS);
    const memberId = await stableMember(clock, coordinator);
    const committed = await coordinator.commitOffsets({ groupId: GROUP, generationId: 1, memberId, topics: [{ name: 't', partitions: [{ partition: 0, committedOffset: 5, committedLeaderEpoch: -1 }] }] });
    expect(committed.topics![0]!.partitions![0]!.errorCode).toBe('NONE');
    const fetched = () => coordinator.fetchOffsets({ groupId: GROUP, topics: [{ topic: 't', partitions: [0] }], requireStable: false }).topics![0]!.partitions![0]!.committedOffset;
    clock.advance(SESSION_MS);
    expect(coordinator.describeGroups([GROUP])[0]!.groupState).toBe('Empty');
    const retentionMs = 10_080 * 60_000;
    const checkMs = 600_000;
    clock.advance(retentionMs - checkMs);
    await settle();
    expect(fetched()).toBe(5);
    clock.advance(2 * checkMs);
    await settle();
    expect(fetched()).toBe(-1);
    expect(coordinator.describeGroups([GROUP])[0]!.groupState).toBe('Dead');
    coordinator.stop();
  });
});
