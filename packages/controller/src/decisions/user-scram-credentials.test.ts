import { ErrorCode } from '@quill/proto';
import { EMPTY_METADATA_STATE, applyRecords, scramCredentialOf, type MetadataState } from '@quill/metadata';
import { scramCredentialFromPassword, scramSaltedPassword, type ScramMechanism } from '@quill/security';
import { describe, expect, it } from 'vitest';
import { alterUserScramCredentials, describeUserScramCredentials, type ScramCredentialUpsertion, type UserScramCredentialsAlteration } from './user-scram-credentials.js';

const SALT = Buffer.alloc(24, 3);

function upsert(name: string, mechanism: string, password: string, iterations = 4096): ScramCredentialUpsertion {
  const saltedPassword = mechanism === 'SCRAM-SHA-256' || mechanism === 'SCRAM-SHA-512' ? scramSaltedPassword(mechanism, password, SALT, iterations) : Buffer.alloc(32, 1);
  return { name, mechanism, iterations, salt: SALT, saltedPassword };
}

function alter(state: MetadataState, alteration: Partial<UserScramCredentialsAlteration>): { state: MetadataState; results: Array<{ user: string; errorCode: string }> } {
  const decision = alterUserScramCredentials(state, { deletions: [], upsertions: [], ...alteration });
  return { state: applyRecords(state, decision.records, state.offset + 1), results: decision.result.map(({ user, errorCode }) => ({ user, errorCode })) };
}

describe('AlterUserScramCredentials', () => {
  it('stores the keys derived from the salted password, never the password, and deletes by mechanism', () => {
    const { state, results } = alter(EMPTY_METADATA_STATE, { upsertions: [upsert('alice', 'SCRAM-SHA-512', 'pw'), upsert('alice', 'SCRAM-SHA-256', 'pw', 8192)] });
    expect(results).toEqual([{ user: 'alice', errorCode: ErrorCode.NONE }]);
    expect(scramCredentialOf(state, 'alice', 'SCRAM-SHA-512')).toEqual(scramCredentialFromPassword('SCRAM-SHA-512', 'pw', { salt: SALT, iterations: 4096 }));
    expect(scramCredentialOf(state, 'alice', 'SCRAM-SHA-256')?.iterations).toBe(8192);

    const after = alter(state, { deletions: [{ name: 'alice', mechanism: 'SCRAM-SHA-256' }] });
    expect(after.results).toEqual([{ user: 'alice', errorCode: ErrorCode.NONE }]);
    expect(scramCredentialOf(after.state, 'alice', 'SCRAM-SHA-256')).toBeUndefined();
    expect(scramCredentialOf(after.state, 'alice', 'SCRAM-SHA-512')).toBeDefined();
  });

  it("answers per user with Kafka's errors, and a refused user's other alterations do not apply", () => {
    const { state, results } = alter(EMPTY_METADATA_STATE, {
      deletions: [{ name: 'ghost', mechanism: 'SCRAM-SHA-256' }, { name: 'dup', mechanism: 'SCRAM-SHA-512' }],
      upsertions: [
        upsert('md5', 'SCRAM-MD5', 'pw'),
        upsert('few', 'SCRAM-SHA-256', 'pw', 4095),
        upsert('many', 'SCRAM-SHA-256', 'pw', 16_385),
        upsert('dup', 'SCRAM-SHA-512', 'pw'),
        upsert('ok', 'SCRAM-SHA-256', 'pw', 16_384),
        upsert('', 'SCRAM-SHA-256', 'pw'),
        upsert('few', 'SCRAM-SHA-512', 'pw'),
      ],
    });
    expect(results).toEqual([
      { user: 'ghost', errorCode: ErrorCode.RESOURCE_NOT_FOUND },
      { user: 'dup', errorCode: ErrorCode.RESOURCE_NOT_FOUND },
      { user: 'md5', errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM },
      { user: 'few', errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL },
      { user: 'many', errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL },
      { user: 'ok', errorCode: ErrorCode.NONE },
      { user: '', errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL },
    ]);
    expect([...state.scramCredentials.keys()]).toEqual(['ok']);
  });

  it('refuses the same user and mechanism twice in one request with DUPLICATE_RESOURCE', () => {
    const first = alter(EMPTY_METADATA_STATE, { upsertions: [upsert('bob', 'SCRAM-SHA-256', 'pw')] }).state;
    const { state, results } = alter(first, {
      deletions: [{ name: 'bob', mechanism: 'SCRAM-SHA-256' }],
      upsertions: [upsert('bob', 'SCRAM-SHA-256', 'new'), upsert('carol', 'SCRAM-SHA-512', 'pw'), upsert('carol', 'SCRAM-SHA-512', 'pw2')],
    });
    expect(results).toEqual([
      { user: 'bob', errorCode: ErrorCode.DUPLICATE_RESOURCE },
      { user: 'carol', errorCode: ErrorCode.DUPLICATE_RESOURCE },
    ]);
    expect(scramCredentialOf(state, 'bob', 'SCRAM-SHA-256')).toEqual(scramCredentialOf(first, 'bob', 'SCRAM-SHA-256'));
    expect(state.scramCredentials.has('carol')).toBe(false);
  });
});

describe('DescribeUserScramCredentials', () => {
  const mechanisms: ScramMechanism[] = ['SCRAM-SHA-512', 'SCRAM-SHA-256'];
  const { state } = alter(EMPTY_METADATA_STATE, { upsertions: [...mechanisms.map((m) => upsert('zed', m, 'pw')), upsert('amy', 'SCRAM-SHA-512', 'pw', 5000)] });

  it('lists every user with mechanisms and iterations only', () => {
    expect(describeUserScramCredentials(state, [])).toEqual([
      { user: 'amy', errorCode: ErrorCode.NONE, errorMessage: '', credentials: [{ mechanism: 'SCRAM-SHA-512', iterations: 5000 }] },
      {
        user: 'zed',
        errorCode: ErrorCode.NONE,
        errorMessage: '',
        credentials: [
          { mechanism: 'SCRAM-SHA-256', iterations: 4096 },
          { mechanism: 'SCRAM-SHA-512', iterations: 4096 },
        ],
      },
    ]);
  });

  it('answers RESOURCE_NOT_FOUND for an unknown user and DUPLICATE_RESOURCE for a user named twice', () => {
    const described = describeUserScramCredentials(state, ['nobody', 'amy', 'zed', 'zed']);
    expect(described.map(({ user, errorCode }) => ({ user, errorCode }))).toEqual([
      { user: 'nobody', errorCode: ErrorCode.RESOURCE_NOT_FOUND },
      { user: 'amy', errorCode: ErrorCode.NONE },
      { user: 'zed', errorCode: ErrorCode.DUPLICATE_RESOURCE },
    ]);
  });
});
