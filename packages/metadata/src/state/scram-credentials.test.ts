import { decodeMetadataRecordBatch, encodeMetadataRecordBatch } from '@quill/proto';
import { scramCredentialFromPassword } from '@quill/security';
import { describe, expect, it } from 'vitest';
import { MetadataInvariantError, applyRecord, applyRecords } from './apply-record.js';
import { canonicalMetadata } from './canonical.js';
import { scramCredentialOf } from './queries.js';
import { removeUserScramCredentialRecord, userScramCredentialRecord, type MetadataRecord } from './records.js';
import { restore, snapshot } from './snapshot.js';
import { EMPTY_METADATA_STATE } from './state.js';

const SALT = Buffer.alloc(16, 7);
const alice256 = scramCredentialFromPassword('SCRAM-SHA-256', 'alice-secret', { salt: SALT, iterations: 4096 });
const alice512 = scramCredentialFromPassword('SCRAM-SHA-512', 'alice-secret', { salt: SALT, iterations: 8192 });
const bob512 = scramCredentialFromPassword('SCRAM-SHA-512', 'bob-secret', { salt: SALT, iterations: 4096 });

describe('SCRAM credentials in the metadata state', () => {
  it('sets, replaces and removes a credential per user and mechanism', () => {
    let state = applyRecords(
      EMPTY_METADATA_STATE,
      [userScramCredentialRecord('alice', 'SCRAM-SHA-256', alice256), userScramCredentialRecord('alice', 'SCRAM-SHA-512', bob512)],
      1,
    );
    state = applyRecord(state, userScramCredentialRecord('alice', 'SCRAM-SHA-512', alice512), 2);
    expect(scramCredentialOf(state, 'alice', 'SCRAM-SHA-512')).toEqual(alice512);
    expect(scramCredentialOf(state, 'alice', 'SCRAM-SHA-256')).toEqual(alice256);
    expect(scramCredentialOf(state, 'bob', 'SCRAM-SHA-512')).toBeUndefined();

    const before = state;
    state = applyRecord(state, removeUserScramCredentialRecord('alice', 'SCRAM-SHA-256'), 3);
    expect(scramCredentialOf(state, 'alice', 'SCRAM-SHA-256')).toBeUndefined();
    expect(scramCredentialOf(before, 'alice', 'SCRAM-SHA-256')).toEqual(alice256);
    state = applyRecord(state, removeUserScramCredentialRecord('alice', 'SCRAM-SHA-512'), 4);
    expect(state.scramCredentials.has('alice')).toBe(false);
  });

  it('refuses an unknown mechanism and the removal of a credential that does not exist', () => {
    const unknown: MetadataRecord = { record: 'userScramCredential', userScramCredential: { name: 'alice', mechanism: 'SCRAM-MD5', salt: SALT, storedKey: SALT, serverKey: SALT, iterations: 4096 } };
    expect(() => applyRecord(EMPTY_METADATA_STATE, unknown, 1)).toThrow(MetadataInvariantError);
    expect(() => applyRecord(EMPTY_METADATA_STATE, removeUserScramCredentialRecord('alice', 'SCRAM-SHA-256'), 1)).toThrow(MetadataInvariantError);
  });

  it('reads back the same credential from the encoded metadata log', () => {
    const bytes = encodeMetadataRecordBatch({ records: [userScramCredentialRecord('alice', 'SCRAM-SHA-512', alice512)] });
    const decoded = decodeMetadataRecordBatch(new Uint8Array(bytes)).records;
    expect(scramCredentialOf(applyRecords(EMPTY_METADATA_STATE, decoded, 1), 'alice', 'SCRAM-SHA-512')).toEqual(alice512);
  });

  it('keeps credentials through a snapshot', () => {
    const state = applyRecords(
      EMPTY_METADATA_STATE,
      [userScramCredentialRecord('bob', 'SCRAM-SHA-512', bob512), userScramCredentialRecord('alice', 'SCRAM-SHA-256', alice256)],
      5,
    );
    const restored = restore(snapshot(state), 5);
    expect(canonicalMetadata(restored)).toBe(canonicalMetadata(state));
    expect(scramCredentialOf(restored, 'bob', 'SCRAM-SHA-512')).toEqual(bob512);
  });
});
