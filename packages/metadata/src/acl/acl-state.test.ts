import { decodeMetadataRecordBatch, encodeMetadataRecordBatch } from '@quill/proto';
import { describe, expect, it } from 'vitest';
import { MetadataInvariantError, applyRecord, applyRecords } from '../state/apply-record.js';
import { canonicalMetadata } from '../state/canonical.js';
import { accessControlEntryRecord, removeAccessControlEntryRecord } from '../state/records.js';
import { restore, snapshot } from '../state/snapshot.js';
import { EMPTY_METADATA_STATE } from '../state/state.js';
import type { AclBinding } from './acl-binding.js';

const readT: AclBinding = { resourceType: 'TOPIC', resourceName: 't', patternType: 'LITERAL', principal: 'User:alice', host: '*', operation: 'READ', permission: 'ALLOW' };
const denyG: AclBinding = { resourceType: 'GROUP', resourceName: 'g-', patternType: 'PREFIXED', principal: 'User:*', host: '10.0.0.1', operation: 'ALL', permission: 'DENY' };

describe('ACLs in the metadata state', () => {
  it('adds and removes entries by id', () => {
    let state = applyRecords(EMPTY_METADATA_STATE, [accessControlEntryRecord('a', readT), accessControlEntryRecord('b', denyG)], 1);
    expect(state.acls.get('a')).toEqual(readT);
    expect(state.acls.get('b')).toEqual(denyG);
    const before = state;
    state = applyRecord(state, removeAccessControlEntryRecord('a'), 2);
    expect([...state.acls.keys()]).toEqual(['b']);
    expect(before.acls.has('a')).toBe(true);
  });

  it('refuses a duplicate id, a removal of an unknown id and an invalid entry', () => {
    const state = applyRecord(EMPTY_METADATA_STATE, accessControlEntryRecord('a', readT), 1);
    expect(() => applyRecord(state, accessControlEntryRecord('a', denyG), 2)).toThrow(MetadataInvariantError);
    expect(() => applyRecord(state, removeAccessControlEntryRecord('x'), 2)).toThrow(MetadataInvariantError);
    expect(() => applyRecord(state, accessControlEntryRecord('c', { ...readT, operation: 'FLY' as never }), 2)).toThrow(MetadataInvariantError);
    expect(() => applyRecord(state, accessControlEntryRecord('c', { ...readT, principal: 'alice' }), 2)).toThrow(MetadataInvariantError);
    expect(() => applyRecord(state, accessControlEntryRecord('c', { ...readT, resourceType: 'CLUSTER', resourceName: 'c' }), 2)).toThrow(MetadataInvariantError);
  });

  it('survives a snapshot, restore and the wire encoding unchanged', () => {
    const state = applyRecords(EMPTY_METADATA_STATE, [accessControlEntryRecord('b', denyG), accessControlEntryRecord('a', readT)], 5);
    const records = decodeMetadataRecordBatch(encodeMetadataRecordBatch({ records: snapshot(state) })).records;
    expect(canonicalMetadata(restore(records, 5))).toBe(canonicalMetadata(state));
    expect(canonicalMetadata(state)).toContain('User:alice');
  });
});
