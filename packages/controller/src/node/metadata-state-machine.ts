import { decodeMetadataRecordBatch, encodeMetadataRecordBatch } from '@quill/proto';
import type { Entry } from '@quill/raft';
import { EMPTY_METADATA_STATE, type MetadataRecord, type MetadataState, applyRecords, restore, snapshot } from '@quill/metadata';
import type { ReplicatedStateMachine } from './raft-driver.js';

/** A committed metadata log entry: its Raft index is the metadata offset of its records. */
export interface CommittedBatch {
  offset: number;
  records: readonly MetadataRecord[];
}

/**
 * The metadata log as the controller's Raft state machine: committed entries decode to record
 * batches and go through the pure reducer. Listeners (broker metadata streams) hear about each
 * applied batch; a snapshot install tells them to start over from the snapshot.
 */
export class MetadataStateMachine implements ReplicatedStateMachine {
  private state: MetadataState = EMPTY_METADATA_STATE;
  private readonly listeners = new Set<(batch: CommittedBatch | 'snapshot') => void>();

  get current(): MetadataState {
    return this.state;
  }

  apply(entry: Entry): void {
    if (entry.type !== 'normal' || entry.data.byteLength === 0) {
      this.state = { ...this.state, offset: entry.index };
      // Listeners hear of it too: a metadata stream waiting at this offset (a new leader's no-op)
      // would otherwise stall, neither sent the entry nor kept alive, until the next record.
      for (const listener of this.listeners) listener({ offset: entry.index, records: [] });
      return;
    }
    const { records } = decodeMetadataRecordBatch(entry.data);
    this.state = applyRecords(this.state, records, entry.index);
    for (const listener of this.listeners) listener({ offset: entry.index, records });
  }

  snapshot(): Uint8Array {
    return encodeRecords(snapshot(this.state));
  }

  restore(data: Uint8Array, index: number): void {
    this.state = data.byteLength === 0 ? { ...EMPTY_METADATA_STATE, offset: index } : restore(decodeMetadataRecordBatch(data).records, index);
    for (const listener of this.listeners) listener('snapshot');
  }

  onApplied(listener: (batch: CommittedBatch | 'snapshot') => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export function encodeRecords(records: readonly MetadataRecord[]): Buffer {
  return encodeMetadataRecordBatch({ records: records as MetadataRecord[] });
}
