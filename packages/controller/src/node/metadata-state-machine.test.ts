import { encodeMetadataRecordBatch } from '@quill/proto';
import { describe, expect, it } from 'vitest';
import { MetadataStateMachine, type CommittedBatch } from './metadata-state-machine.js';

describe('MetadataStateMachine', () => {
  it('tells its listeners of every applied entry, a leader no-op and an empty batch included', () => {
    const machine = new MetadataStateMachine();
    const heard: Array<CommittedBatch | 'snapshot'> = [];
    machine.onApplied((batch) => heard.push(batch));
    machine.apply({ term: 1, index: 1, type: 'noop', data: new Uint8Array() });
    machine.apply({ term: 1, index: 2, type: 'normal', data: encodeMetadataRecordBatch({ records: [] }) });
    expect(machine.current.offset).toBe(2);
    expect(heard).toEqual([
      { offset: 1, records: [] },
      { offset: 2, records: [] },
    ]);
  });
});
