import { describe, expect, it } from 'vitest';
import { scramCredentialFromPassword, type ScramCredential, type ScramMechanism } from '../scram.js';
import { createPlainServer } from './plain-server.js';
import { invalidCredentialsMessage } from './sasl-server.js';
import { unknownUserCredentials } from './scram-server.js';

const credentials: Record<string, Partial<Record<ScramMechanism, ScramCredential>>> = {
  alice: { 'SCRAM-SHA-512': scramCredentialFromPassword('SCRAM-SHA-512', 'alice-secret', { salt: Buffer.alloc(32, 1) }) },
  bob: { 'SCRAM-SHA-256': scramCredentialFromPassword('SCRAM-SHA-256', 'bob-secret', { salt: Buffer.alloc(32, 2) }) },
};

const plain = (token: string) =>
  createPlainServer({ credentialOf: (user, mechanism) => credentials[user]?.[mechanism], unknownUserCredential: unknownUserCredentials(Buffer.alloc(32, 9)) }).step(Buffer.from(token));

describe('PLAIN server', () => {
  it('accepts the password of a SCRAM-SHA-512 or a SCRAM-SHA-256 credential', () => {
    expect(plain('\0alice\0alice-secret')).toEqual({ kind: 'authenticated', user: 'alice', token: Buffer.alloc(0) });
    expect(plain('bob\0bob\0bob-secret')).toMatchObject({ kind: 'authenticated', user: 'bob' });
  });

  it('refuses a wrong password and an unknown user with the same answer', () => {
    expect(plain('\0alice\0bob-secret')).toMatchObject({ kind: 'failed', user: 'alice', reason: 'wrong password', clientMessage: invalidCredentialsMessage('PLAIN') });
    expect(plain('\0mallory\0alice-secret')).toMatchObject({ kind: 'failed', user: 'mallory', reason: 'unknown user', clientMessage: invalidCredentialsMessage('PLAIN') });
  });

  it('refuses malformed tokens, empty fields and another authorization id', () => {
    expect(plain('alice\0alice-secret')).toMatchObject({ kind: 'failed', clientMessage: expect.stringMatching(/expected 3 tokens/) });
    expect(plain('\0\0x')).toMatchObject({ kind: 'failed', clientMessage: expect.stringMatching(/username not specified/) });
    expect(plain('\0alice\0')).toMatchObject({ kind: 'failed', clientMessage: expect.stringMatching(/password not specified/) });
    expect(plain('bob\0alice\0alice-secret')).toMatchObject({ kind: 'failed', clientMessage: expect.stringMatching(/authorization id/) });
  });
});
