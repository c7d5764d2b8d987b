import { decodeMetadataRecordBatch, encodeMetadataRecordBatch } from '@quill/proto';
import { SeededRandom } from '@quill/random';
import { describe, expect, it } from 'vitest';
import { EMPTY_METADATA_STATE, type MetadataState, applyRecords, canonicalMetadata, restore, snapshot } from '@quill/metadata';
import { forEachSeed, type MetadataBatch } from '../test-support/metadata-cluster.js';
import { runRandomWorkload } from '../test-support/random-workload.js';

const SEEDS = 300;
const STEPS = 150;

function replay(batches: readonly MetadataBatch[], from: MetadataState = EMPTY_METADATA_STATE): MetadataState {
  return batches.reduce((state, batch) => applyRecords(state, batch.records, batch.offset), from);
}

describe('metadata reducer determinism (random logs written by the decision functions)', () => {
  it(`replaying the same records twice gives the same state (${SEEDS} seeds)`, () => {
    forEachSeed(SEEDS, (seed) => {
      const cluster = runRandomWorkload(seed, STEPS);
      expect(cluster.batches.length).toBeGreaterThan(20);
      expect(canonicalMetadata(replay(cluster.batches))).toBe(canonicalMetadata(cluster.state));
      expect(canonicalMetadata(replay(cluster.batches))).toBe(canonicalMetadata(replay(cluster.batches)));
    });
  });

  it(`a snapshot at any offset, then the rest of the log, equals replaying everything (${SEEDS} seeds)`, () => {
    forEachSeed(SEEDS, (seed) => {
      const cluster = runRandomWorkload(seed, STEPS);
      const full = canonicalMetadata(replay(cluster.batches));
      const cut = new SeededRandom(seed).int(0, cluster.batches.length);
      const head = replay(cluster.batches.slice(0, cut));
      const restored = restore(snapshot(head), head.offset);
      expect(canonicalMetadata(restored)).toBe(canonicalMetadata(head));
      // The snapshot is canonical: the restored state snapshots to the same records.
      expect(snapshot(restored)).toEqual(snapshot(head));
      expect(canonicalMetadata(replay(cluster.batches.slice(cut), restored))).toBe(full);
    });
  });

  it('records read back from the wire replay to the same state', () => {
    forEachSeed(30, (seed) => {
      const cluster = runRandomWorkload(seed, STEPS);
      const decoded = cluster.batches.map((batch) => ({
        offset: batch.offset,
        records: decodeMetadataRecordBatch(encodeMetadataRecordBatch({ records: [...batch.records] })).records,
      }));
      expect(canonicalMetadata(replay(decoded))).toBe(canonicalMetadata(cluster.state));
      const snapshotRecords = decodeMetadataRecordBatch(encodeMetadataRecordBatch({ records: snapshot(cluster.state) })).records;
      expect(canonicalMetadata(restore(snapshotRecords, cluster.state.offset))).toBe(canonicalMetadata(cluster.state));
    });
  });

  it('the same seed writes the same log', () => {
    const a = runRandomWorkload(7, STEPS);
    const b = runRandomWorkload(7, STEPS);
    expect(b.batches).toEqual(a.batches);
  });
});
