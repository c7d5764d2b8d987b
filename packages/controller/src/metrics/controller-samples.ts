import type { MetadataState } from '@quill/metadata';
import { NO_NODE, type FollowerProgress, type RaftStatus } from '@quill/raft';
import { READY, notReady, type Readiness } from '@quill/metrics';

export interface ControllerSamples {
  active: boolean;
  term: number;
  commitIndex: number;
  appliedIndex: number;
  /** Entries each other voter is behind this leader's log end; empty unless this node leads. */
  voterLag: readonly { voter: number; lag: number }[];
  registeredBrokers: number;
  fencedBrokers: number;
  /** Entries held in the Raft log since its last snapshot. */
  metadataLogEntries: number;
  /** Stored bytes of those entries. */
  metadataLogBytes: number;
  /** Bytes of the last snapshot's state. */
  metadataSnapshotBytes: number;
}

/** The controller gauges from the Raft status, the leader's view of its followers, and the metadata. */
export function controllerSamples(
  status: RaftStatus,
  active: boolean,
  voters: readonly number[],
  progress: (voter: number) => FollowerProgress | undefined,
  metadata: MetadataState,
  logSize: { entries: number; snapshot: number },
): ControllerSamples {
  const brokers = [...metadata.brokers.values()];
  return {
    active,
    term: status.term,
    commitIndex: status.commit,
    appliedIndex: status.applied,
    voterLag:
      status.role === 'leader'
        ? voters.filter((v) => v !== status.id).map((voter) => ({ voter, lag: Math.max(0, status.lastIndex - (progress(voter)?.match ?? 0)) }))
        : [],
    registeredBrokers: brokers.length,
    fencedBrokers: brokers.filter((b) => b.fenced).length,
    metadataLogEntries: Math.max(0, status.lastIndex - status.firstIndex + 1),
    metadataLogBytes: logSize.entries,
    metadataSnapshotBytes: logSize.snapshot,
  };
}

/** A controller is ready once it is part of a quorum with a known leader (itself or another voter). */
export function controllerReadiness(status: RaftStatus): Readiness {
  return status.leaderId === NO_NODE ? notReady(`no known controller leader in term ${status.term}`) : READY;
}
