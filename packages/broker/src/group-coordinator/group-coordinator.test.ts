import { ManualClock } from '@quill/clock';
import type { HeartbeatResponse, JoinGroupRequest__Output } from '@quill/proto';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { resolveBrokerConfig } from '../config.js';
import type { LeadershipChange, ReplicaManager } from '../replica-manager/replica-manager.js';
import { GroupCoordinator, type GroupCoordinatorDeps } from './group-coordinator.js';
import { GROUP_METADATA_TOPIC_NAME } from './offsets-topic.js';

// The coordinator's timers on a manual clock: a held heartbeat and a member's session end when
// the clock the coordinator was given passes them, never earlier.

const GROUP = 'orders-app';
const SESSION_MS = 9_000;
const HELD_MS = SESSION_MS / 3;
const INITIAL_REBALANCE_DELAY_MS = 100;
const CLIENT = { clientId: 'app', clientHost: '/127.0.0.1' };

/** One broker leading the single (empty) __consumer_offsets partition; appends succeed at once. */
function coordinatorOn(clock: ManualClock): GroupCoordinator {
  let leadership: ((change: LeadershipChange) => void) | undefined;
  const emptyLog = { log: { logStartOffset: 0, logEndOffset: 0 } };
  const replicas: GroupCoordinatorDeps['replicas'] = {
    state: undefined,
    onLeadershipChange: (listener) => {
      leadership = listener;
      return () => (leadership = undefined);
    },
    hostedPartitions: () => [][Symbol.iterator](),
    partition: (() => emptyLog) as unknown as ReplicaManager['partition'],
    produce: () => Promise.resolve({ error: undefined, baseOffset: 0, logStartOffset: 0, logAppendTimeMs: -1 }),
  };
  const config = resolveBrokerConfig({
    nodeId: 1,
    clusterId: 'c',
    listen: { host: '127.0.0.1', port: 0 },
    controllers: [],
    dataDir: '/unused',
    offsetsTopicNumPartitions: 1,
    groupInitialRebalanceDelayMs: INITIAL_REBALANCE_DELAY_MS,
  });
  const coordinator = new GroupCoordinator({ config, replicas, createTopics: () => Promise.reject(new Error('not used')), logger: pino({ level: 'silent' }), clock });
  coordinator.start();
  leadership!({ topic: GROUP_METADATA_TOPIC_NAME, partition: 0, isLeader: true, leaderEpoch: 0 });
  return coordinator;
}

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
    const coordinator = coordinatorOn(clock);
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
    const coordinator = coordinatorOn(clock);
    const memberId = await stableMember(clock, coordinator);

    clock.advance(SESSION_MS - 1);
    expect(coordinator.describeGroups([GROUP])[0]).toMatchObject({ groupState: 'Stable', members: [{ memberId }] });
    clock.advance(1);
    expect(coordinator.describeGroups([GROUP])[0]).toMatchObject({ groupState: 'Empty', members: [] });
    const late = await coordinator.heartbeat({ groupId: GROUP, generationId: 1, memberId, maxWaitMs: 0 });
    expect(late.error?.code).toBe('UNKNOWN_MEMBER_ID');
    coordinator.stop();
  });
});
