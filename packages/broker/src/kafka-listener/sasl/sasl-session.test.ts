import { ApiKeys } from '@quill/kafka-protocol';
import { scramCredentialFromPassword, unknownUserCredentials } from '@quill/security';
import { describe, expect, it } from 'vitest';
import { SaslSession } from './sasl-session.js';

const alice = scramCredentialFromPassword('SCRAM-SHA-512', 'alice-secret', { salt: Buffer.alloc(32, 1) });
const session = () =>
  new SaslSession({
    enabledMechanisms: ['SCRAM-SHA-512', 'PLAIN'],
    credentialOf: (user, mechanism) => (user === 'alice' && mechanism === 'SCRAM-SHA-512' ? alice : undefined),
    unknownUserCredential: unknownUserCredentials(Buffer.alloc(32, 3)),
  });

describe('SaslSession', () => {
  it('admits only ApiVersions and SASL until authenticated, then everything as User:<name>', () => {
    const s = session();
    expect([ApiKeys.ApiVersions, ApiKeys.SaslHandshake, ApiKeys.SaslAuthenticate].every((key) => s.admits(key))).toBe(true);
    expect(s.admits(ApiKeys.Metadata)).toBe(false);
    expect(s.handshake('PLAIN')).toEqual({ kind: 'ok' });
    expect(s.mechanism).toBe('PLAIN');
    expect(s.authenticate(Buffer.from('\0alice\0alice-secret'))).toMatchObject({ kind: 'authenticated', user: 'alice' });
    expect(s.authenticated).toBe(true);
    expect(s.principal).toBe('User:alice');
    expect(s.admits(ApiKeys.Metadata)).toBe(true);
  });

  it('refuses a mechanism not enabled, and admits nothing after', () => {
    const s = session();
    expect(s.handshake('SCRAM-SHA-256')).toEqual({ kind: 'unsupported-mechanism' });
    expect(s.admits(ApiKeys.ApiVersions)).toBe(false);
  });

  it('refuses authentication before a handshake and a second handshake', () => {
    expect(session().authenticate(Buffer.from('\0alice\0alice-secret'))).toEqual({ kind: 'illegal-state' });
    const s = session();
    expect(s.handshake('SCRAM-SHA-512')).toEqual({ kind: 'ok' });
    expect(s.handshake('SCRAM-SHA-512')).toEqual({ kind: 'illegal-state' });
  });

  it('fails for good on a wrong password', () => {
    const s = session();
    s.handshake('PLAIN');
    expect(s.authenticate(Buffer.from('\0alice\0guess'))).toMatchObject({ kind: 'failed', user: 'alice' });
    expect(s.authenticated).toBe(false);
    expect(s.principal).toBeUndefined();
    expect(s.admits(ApiKeys.SaslAuthenticate)).toBe(false);
  });
});
