/**
 * @quill/raft — a pure, deterministic Raft core (no clock, no I/O, seeded randomness)
 * and the simulator that tests it.
 */
export { RaftNode, type FollowerProgress, type RaftStatus } from './core/node.js';
export type { Ready } from './core/ready.js';
export type { RaftConfig } from './core/config.js';
export { OBSERVERS_MAX, VOTERS_MAX } from './core/config.js';
export type { ProposeResult, StepResult, TransferLeadershipResult } from './core/results.js';
export type {
  AppendRequest,
  AppendResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  InstallSnapshotRequest,
  InstallSnapshotResponse,
  Message,
  PreVoteRequest,
  PreVoteResponse,
  TimeoutNow,
  VoteRequest,
  VoteResponse,
} from './core/messages.js';
export {
  EMPTY_HARD_STATE,
  NO_NODE,
  type Entry,
  type EntryType,
  type HardState,
  type Membership,
  type NodeId,
  type Role,
  type Snapshot,
  type SoftState,
} from './core/types.js';
export type { InitialState, RaftStorage } from './core/storage.js';
export { MemoryStorage } from './core/memory-storage.js';
export { CompactedError, RaftConfigError, RaftInvariantError, UnavailableError } from './core/errors.js';

// The deterministic simulator, for this package's tests and for later users (pnpm sim).
export {
  LIVENESS_TICKS_MAX,
  LivenessFailure,
  runSimulation,
  SimulationFailure,
  STEPS_DEFAULT,
  type Sabotage,
  type SimulationOptions,
  type SimulationReport,
} from './sim/simulation.js';
export { memoryStorageFactory, type SimStorage, type SimStorageFactory } from './sim/sim-storage.js';
export { SafetyChecker, SafetyViolation, type DurableState, type LogView, type SafetyProperty } from './sim/safety-checker.js';
