import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManualClock } from '@quill/clock';
import type { Entry } from '@quill/raft';
import { eventually } from '@quill/test-support';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { LevelRaftStorage } from '../raft-storage/level-raft-storage.js';
import { RaftDriver } from './raft-driver.js';

const TICK_MS = 20;
const ELECTION_TICK = 10;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function singleVoter(clock: ManualClock): Promise<{ driver: RaftDriver; applied: Entry[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-raft-driver-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const storage = await LevelRaftStorage.open(dir, { voters: [1], observers: [] });
  cleanups.push(() => storage.close());
  const applied: Entry[] = [];
  const driver = new RaftDriver({
    nodeId: 1,
    voters: [1],
    storage,
    stateMachine: { apply: (entry) => void applied.push(entry), snapshot: () => new Uint8Array(), restore: () => undefined },
    send: () => undefined,
    logger: pino({ level: 'silent' }),
    tickMs: TICK_MS,
    electionTick: ELECTION_TICK,
    heartbeatTick: 2,
    snapshotAfterEntries: 1_000,
    seed: 1,
    clock,
  });
  cleanups.push(() => driver.stop());
  return { driver, applied };
}

describe('RaftDriver on a manual clock', () => {
  it('ticks only as the clock moves: a lone voter is elected once its election timeout has passed, then commits a proposal', async () => {
    const clock = new ManualClock();
    const { driver, applied } = await singleVoter(clock);
    driver.start();
    expect(clock.pendingTimers).toBe(1);
    expect(driver.isLeader).toBe(false);

    // The randomized election timeout is below twice the election tick.
    clock.advance(2 * ELECTION_TICK * TICK_MS);
    await eventually(() => driver.canDecide, { description: 'the lone voter leads' });

    const index = await driver.propose(new Uint8Array([42]));
    expect(applied.find((entry) => entry.index === index)?.data).toEqual(new Uint8Array([42]));
  });

  it('leaves no timer behind once stopped', async () => {
    const clock = new ManualClock();
    const { driver } = await singleVoter(clock);
    driver.start();
    await driver.stop();
    expect(clock.pendingTimers).toBe(0);
  });
});
