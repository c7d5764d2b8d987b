/**
 * Everything about a simulation run that the seed decides: cluster shape, Raft
 * settings, network faults and the pace of crashes, partitions, proposals,
 * compactions and leadership transfers.
 */
import { SeededRandom, type Random } from '@quill/random';
import { ENTRY_HEADER_BYTES } from '../core/types.js';
import type { NetworkFaults } from './network.js';

/** Virtual time units per node tick. Nodes tick every TICK_UNITS ± TICK_JITTER_UNITS (drifting clocks). */
export const TICK_UNITS = 10;
export const TICK_JITTER_UNITS = 1;

/** See withUsableFlowControl. */
const ENTRIES_PER_ROUND_TRIP_MIN = 16;
/** Client payloads are 4-byte proposal ids (state-machine.ts). */
const PROPOSAL_BYTES = 4;

export type ChaosAction = 'crash' | 'partition' | 'isolate-leader' | 'one-way-cut' | 'heal' | 'compact' | 'transfer';

export interface SimulationProfile {
  readonly voters: number;
  readonly observers: number;
  readonly electionTick: number;
  readonly heartbeatTick: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly maxSizePerMsg: number;
  readonly maxInflightMsgs: number;
  readonly maxUncommittedEntriesSize: number;
  readonly network: NetworkFaults;
  /** A Ready's writes become durable after a delay in [1, fsyncUnitsMax]. */
  readonly fsyncUnitsMax: number;
  readonly clientGapUnitsMax: number;
  readonly chaosGapUnitsMax: number;
  /** A crashed node stays down for [TICK_UNITS, downUnitsMax]. */
  readonly downUnitsMax: number;
  readonly chaosWeights: Readonly<Record<ChaosAction, number>>;
}

export interface ProfileOverrides {
  readonly voters?: number;
  readonly observers?: number;
}

/**
 * Derives the profile from the seed and returns the generator, positioned after the
 * profile's draws, that drives the rest of the run. Overrides replace a drawn value
 * without changing the draws, so `--voters` equal to the drawn count reproduces exactly.
 */
export function deriveProfile(seed: number, overrides: ProfileOverrides): { profile: SimulationProfile; random: Random } {
  const random = new SeededRandom(seed);
  const drawnVoters = random.chance(0.5) ? 3 : 5;
  const drawnObservers = random.int(0, 2);
  const profile: SimulationProfile = {
    voters: overrides.voters ?? drawnVoters,
    observers: overrides.observers ?? drawnObservers,
    electionTick: random.int(5, 12),
    heartbeatTick: random.chance(0.8) ? 1 : 2,
    preVote: random.chance(0.85),
    checkQuorum: random.chance(0.85),
    // 1 byte: one entry per message, which opens the windows of the Raft paper's Figure 8.
    maxSizePerMsg: random.pick([1, 64, 256, 1024, 1024 * 1024]),
    maxInflightMsgs: random.pick([1, 2, 4, 16, 256]),
    // Bounds what a leader cut off from its quorum accepts (16..256 proposals): the
    // backlog a healed cluster must replicate within the liveness budget.
    maxUncommittedEntriesSize: random.pick([64, 256, 1024]),
    network: {
      dropProbability: random.next() * 0.2,
      duplicateProbability: random.next() * 0.1,
      delayUnitsMax: random.int(2, 20),
      longDelayProbability: random.next() * 0.05,
      longDelayUnitsMax: random.int(20, 300),
    },
    fsyncUnitsMax: random.int(1, 20),
    clientGapUnitsMax: random.int(2, 20),
    chaosGapUnitsMax: random.int(20, 300),
    downUnitsMax: random.int(20, 300),
    chaosWeights: {
      crash: random.int(1, 4),
      partition: random.int(0, 3),
      'isolate-leader': random.int(0, 2),
      'one-way-cut': random.int(0, 2),
      heal: random.int(1, 4),
      compact: random.int(1, 5),
      transfer: random.int(0, 2),
    },
  };
  return { profile: withUsableFlowControl(profile), random };
}

/**
 * Replication moves entriesPerMessage x maxInflightMsgs entries per round trip. With
 * tiny messages and a tiny window, the backlog a healed cluster may face (uncommitted
 * tails of several terms, hundreds of entries) would take longer than the liveness
 * budget; no deployment combines them, so widen the window to move at least
 * ENTRIES_PER_ROUND_TRIP_MIN entries per round trip.
 */
function withUsableFlowControl(profile: SimulationProfile): SimulationProfile {
  const entriesPerMessage = Math.max(1, Math.floor(profile.maxSizePerMsg / (ENTRY_HEADER_BYTES + PROPOSAL_BYTES)));
  const inflightMin = Math.ceil(ENTRIES_PER_ROUND_TRIP_MIN / entriesPerMessage);
  return profile.maxInflightMsgs >= inflightMin ? profile : { ...profile, maxInflightMsgs: inflightMin };
}

export function pickChaosAction(random: Random, weights: Readonly<Record<ChaosAction, number>>): ChaosAction {
  const actions = Object.keys(weights) as ChaosAction[];
  let total = 0;
  for (const action of actions) total += weights[action];
  let roll = random.int(0, total - 1);
  for (const action of actions) {
    roll -= weights[action];
    if (roll < 0) return action;
  }
  return 'heal';
}
