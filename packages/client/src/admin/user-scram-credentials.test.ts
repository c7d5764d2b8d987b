import { ErrorCode, QuillError } from '@quill/proto';
import { scramSaltedPassword, type ScramMechanism } from '@quill/security';
import { describe, expect, it } from 'vitest';
import { alterUserScramCredentialsRequest } from './user-scram-credentials.js';

describe('alterUserScramCredentialsRequest', () => {
  it('sends a salt and the salted password, never the password', () => {
    const request = alterUserScramCredentialsRequest([
      { type: 'upsert', user: 'alice', mechanism: 'SCRAM-SHA-512', password: 'very-secret-password' },
      { type: 'upsert', user: 'bob', mechanism: 'SCRAM-SHA-256', password: 'pw', iterations: 8192, salt: Buffer.alloc(8, 1) },
      { type: 'delete', user: 'carol', mechanism: 'SCRAM-SHA-256' },
    ]);
    expect(request.deletions).toEqual([{ name: 'carol', mechanism: 'SCRAM-SHA-256' }]);
    const [alice, bob] = request.upsertions;
    expect(alice).toMatchObject({ name: 'alice', mechanism: 'SCRAM-SHA-512', iterations: 4096 });
    expect(alice!.saltedPassword.equals(scramSaltedPassword('SCRAM-SHA-512', 'very-secret-password', alice!.salt, 4096))).toBe(true);
    expect(bob).toEqual({ name: 'bob', mechanism: 'SCRAM-SHA-256', iterations: 8192, salt: Buffer.alloc(8, 1), saltedPassword: scramSaltedPassword('SCRAM-SHA-256', 'pw', Buffer.alloc(8, 1), 8192) });
    expect(JSON.stringify(request)).not.toContain('very-secret-password');
    expect(Buffer.concat(request.upsertions.flatMap((u) => [u.salt, u.saltedPassword])).includes('very-secret-password')).toBe(false);
  });

  it('refuses an unknown mechanism before sending anything', () => {
    const call = () => alterUserScramCredentialsRequest([{ type: 'delete', user: 'a', mechanism: 'PLAIN' as ScramMechanism }]);
    expect(call).toThrow(QuillError);
    expect(call).toThrow(expect.objectContaining({ code: ErrorCode.UNSUPPORTED_SASL_MECHANISM }));
  });
});
