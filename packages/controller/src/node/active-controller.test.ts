import { ManualClock } from '@quill/clock';
import { decodeMetadataRecordBatch } from '@quill/proto';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { EMPTY_METADATA_STATE, type MetadataState, allPartitions, applyRecords, registerBrokerRecord, unfenceBrokerRecord } from '@quill/metadata';
import { expireBrokerSession } from '../decisions/broker-session.js';
import { clusterWith, partitionOfT, proposeIsr } from '../test-support/topic-fixture.js';
import { ActiveController, type ActiveControllerSettings } from './active-controller.js';
import type { MetadataStateMachine } from './metadata-state-machine.js';
import type { RaftDriver } from './raft-driver.js';

const SESSION_MS = 800;
const PERIOD_MS = SESSION_MS / 8;
const BALANCE_CHECK_MS = 300;

/**
 * An active controller over a leader stand-in that commits what it is asked to at once (applied
 * to `state`) and records it.
 */
function activeController(initial: MetadataState, leaderBalance: Partial<ActiveControllerSettings['leaderBalance']> = {}) {
  const clock = new ManualClock(1_000_000);
  let state = initial;
  const proposals: Uint8Array[] = [];
  const driver = {
    isLeader: true,
    canDecide: true,
    nextIndex: 10,
    propose: async (data: Uint8Array) => {
      proposals.push(data);
      state = applyRecords(state, decodeMetadataRecordBatch(data).records, state.offset + 1);
      return state.offset;
    },
  } as unknown as RaftDriver;
  const metadata = {
    get current() {
      return state;
    },
  } as unknown as MetadataStateMachine;
  const active = new ActiveController(driver, metadata, {
    brokerSessionTimeoutMs: SESSION_MS,
    maxQueuedDecisions: 10,
    decisionTimeoutMs: 1_000,
    leaderBalance: { enabled: true, checkIntervalMs: BALANCE_CHECK_MS, imbalancePerBrokerPercentage: 10, ...leaderBalance },
    clock,
    logger: pino({ level: 'silent' }),
    leaderHint: () => ({ leaderId: 1, host: 'h', port: 1, term: 1 }),
  });
  return { active, proposals, clock, driver, state: () => state };
}

function controllerWithOneBroker() {
  const state = applyRecords(
    EMPTY_METADATA_STATE,
    [registerBrokerRecord({ brokerId: 1, incarnationId: 'i', brokerEpoch: 1, endpoints: [{ listenerName: 'PLAINTEXT', host: 'h', port: 1 }], rack: undefined, fenced: true }), unfenceBrokerRecord(1, 1)],
    1,
  );
  return activeController(state);
}

/** Brokers 1-3; broker 1, the preferred replica of both partitions, is back in their ISRs after a bounce, leading neither. */
function restartedPreferredReplica(): MetadataState {
  const c = clusterWith(3, [[1, 2, 3], [1, 3, 2]], { seed: 29 });
  c.expect(expireBrokerSession(c.state, 1));
  c.heartbeat(1, {});
  proposeIsr(c, [1, 2, 3], 0);
  proposeIsr(c, [1, 2, 3], 1);
  expect([partitionOfT(c, 0).leader, partitionOfT(c, 1).leader]).toEqual([2, 3]);
  return c.state;
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

const leadersOf = (state: MetadataState): number[] => allPartitions(state).map((p) => p.leader);

describe('ActiveController broker sessions', () => {
  it('fences a broker that stays silent past the session timeout', async () => {
    const { active, proposals, clock } = controllerWithOneBroker();
    active.checkSessions();
    for (let elapsed = 0; elapsed <= SESSION_MS; elapsed += PERIOD_MS) {
      clock.advance(PERIOD_MS);
      active.checkSessions();
    }
    await flush();
    expect(proposals.length).toBeGreaterThan(0);
  });

  it('does not count a stall of the controller itself against the brokers', async () => {
    const { active, proposals, clock } = controllerWithOneBroker();
    active.checkSessions();
    clock.advance(10 * SESSION_MS); // the controller did not run at all meanwhile
    active.checkSessions();
    await flush();
    expect(proposals).toHaveLength(0);
    active.touchBroker(1);
    clock.advance(PERIOD_MS);
    active.checkSessions();
    await flush();
    expect(proposals).toHaveLength(0);
  });
});

describe('ActiveController leader balance', () => {
  it('gives the leaderships back to the preferred replica at the first check interval, in one entry', async () => {
    const { active, proposals, clock, state } = activeController(restartedPreferredReplica());
    active.start();
    clock.advance(BALANCE_CHECK_MS - 1);
    await flush();
    expect(proposals).toHaveLength(0);
    clock.advance(1);
    await flush();
    expect(proposals).toHaveLength(1);
    expect(leadersOf(state())).toEqual([1, 1]);
    clock.advance(BALANCE_CHECK_MS);
    await flush();
    expect(proposals).toHaveLength(1);
    active.stop();
    expect(clock.pendingTimers).toBe(0);
  });

  it('does nothing when disabled, and nothing while not the active controller', async () => {
    const disabled = activeController(restartedPreferredReplica(), { enabled: false });
    disabled.active.start();
    disabled.clock.advance(3 * BALANCE_CHECK_MS);
    await flush();
    expect(disabled.proposals).toHaveLength(0);
    expect(disabled.clock.pendingTimers).toBe(1);
    disabled.active.stop();

    const follower = activeController(restartedPreferredReplica());
    (follower.driver as { isLeader: boolean }).isLeader = false;
    follower.active.checkLeaderBalance();
    await flush();
    expect(follower.proposals).toHaveLength(0);
    expect(leadersOf(follower.state())).toEqual([2, 3]);
  });
});
