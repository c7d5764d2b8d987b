import { describe, expect, it } from 'vitest';
import { EMPTY_METADATA_STATE, type BrokerRegistration, type MetadataState } from '@quill/metadata';
import { NO_NODE, type RaftStatus } from '@quill/raft';
import { controllerMetricsRegistry } from './controller-metrics.js';
import { controllerReadiness, controllerSamples } from './controller-samples.js';

const status: RaftStatus = { id: 101, role: 'leader', term: 4, vote: 101, leaderId: 101, commit: 50, applied: 49, firstIndex: 11, lastIndex: 52, leadTransferee: NO_NODE };

describe('controller metrics', () => {
  it('reports activity, Raft positions, voter lag as the leader sees it, and fenced brokers', async () => {
    const brokers = new Map([
      [1, { fenced: false } as BrokerRegistration],
      [2, { fenced: true } as BrokerRegistration],
    ]);
    const metadata: MetadataState = { ...EMPTY_METADATA_STATE, brokers };
    const matches = new Map([[102, 52], [103, 40]]);
    const registry = controllerMetricsRegistry(() =>
      controllerSamples(status, true, [101, 102, 103], (v) => ({ match: matches.get(v) ?? 0 }) as never, metadata, { entries: 4096, snapshot: 512 }),
      async () => 3,
    );
    const text = await registry.metrics();
    expect(text).toContain('quill_controller_active 1');
    expect(text).toContain('quill_raft_term 4');
    expect(text).toContain('quill_raft_commit_index 50');
    expect(text).toContain('quill_raft_voter_lag{voter="102"} 0');
    expect(text).toContain('quill_raft_voter_lag{voter="103"} 12');
    expect(text).toContain('quill_fenced_brokers 1');
    expect(text).toContain('quill_metadata_log_entries 42');
    expect(text).toContain('quill_metadata_log_size_bytes 4096');
    expect(text).toContain('quill_metadata_snapshot_size_bytes 512');
    expect(text).toContain('quill_connections{listener="grpc"} 3');
  });

  it('is ready only with a known leader', () => {
    expect(controllerReadiness(status)).toEqual({ ready: true });
    expect(controllerReadiness({ ...status, role: 'candidate', leaderId: NO_NODE })).toEqual({ ready: false, reason: 'no known controller leader in term 4' });
  });
});
