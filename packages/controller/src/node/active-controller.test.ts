import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { EMPTY_METADATA_STATE, applyRecords, registerBrokerRecord, unfenceBrokerRecord } from '@quill/metadata';
import { ActiveController } from './active-controller.js';
import type { MetadataStateMachine } from './metadata-state-machine.js';
import type { RaftDriver } from './raft-driver.js';

const SESSION_MS = 800;
const PERIOD_MS = SESSION_MS / 8;

/** An active controller over a leader stand-in that records what it is asked to commit. */
function controllerWithOneBroker() {
  let nowMs = 1_000_000;
  const proposals: Uint8Array[] = [];
  const driver = {
    isLeader: true,
    canDecide: true,
    nextIndex: 10,
    propose: async (data: Uint8Array) => {
      proposals.push(data);
      return 10;
    },
  } as unknown as RaftDriver;
  const state = applyRecords(
    EMPTY_METADATA_STATE,
    [registerBrokerRecord({ brokerId: 1, incarnationId: 'i', brokerEpoch: 1, endpoints: [{ listenerName: 'PLAINTEXT', host: 'h', port: 1 }], rack: undefined, fenced: true }), unfenceBrokerRecord(1, 1)],
    1,
  );
  const metadata = { current: state } as unknown as MetadataStateMachine;
  const active = new ActiveController(driver, metadata, {
    brokerSessionTimeoutMs: SESSION_MS,
    maxQueuedDecisions: 10,
    decisionTimeoutMs: 1_000,
    now: () => nowMs,
    logger: pino({ level: 'silent' }),
    leaderHint: () => ({ leaderId: 1, host: 'h', port: 1, term: 1 }),
  });
  return { active, proposals, advance: (ms: number) => (nowMs += ms) };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('ActiveController broker sessions', () => {
  it('fences a broker that stays silent past the session timeout', async () => {
    const { active, proposals, advance } = controllerWithOneBroker();
    active.checkSessions();
    for (let elapsed = 0; elapsed <= SESSION_MS; elapsed += PERIOD_MS) {
      advance(PERIOD_MS);
      active.checkSessions();
    }
    await flush();
    expect(proposals.length).toBeGreaterThan(0);
  });

  it('does not count a stall of the controller itself against the brokers', async () => {
    const { active, proposals, advance } = controllerWithOneBroker();
    active.checkSessions();
    advance(10 * SESSION_MS); // the controller did not run at all meanwhile
    active.checkSessions();
    await flush();
    expect(proposals).toHaveLength(0);
    active.touchBroker(1);
    advance(PERIOD_MS);
    active.checkSessions();
    await flush();
    expect(proposals).toHaveLength(0);
  });
});
