import { ManualClock } from '@quill/clock';
import { createScramClient, plainMessage, scramCredentialFromPassword, unknownUserCredentials } from '@quill/security';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { AuthenticationFailureLog } from '../../kafka-listener/sasl/authentication-failure-log.js';
import { SaslAuthenticator } from './sasl-authenticator.js';
import { SessionTokens } from './session-tokens.js';

const alice = scramCredentialFromPassword('SCRAM-SHA-512', 'secret', { salt: Buffer.alloc(32, 1) });

function setup(maxHandshakes = 10) {
  const clock = new ManualClock(0);
  const credentials = new Map([['alice', alice]]);
  const credentialOf = (user: string, m: string) => (m === 'SCRAM-SHA-512' ? credentials.get(user) : undefined);
  const tokens = new SessionTokens({ clock, lifetimeMs: 60_000, maxSessions: 10, credentialOf });
  const authenticator = new SaslAuthenticator({
    clock,
    session: { enabledMechanisms: ['SCRAM-SHA-512', 'PLAIN'], credentialOf, unknownUserCredential: unknownUserCredentials(Buffer.alloc(32, 2)) },
    tokens,
    failedAuthenticationDelayMs: 100,
    failures: new AuthenticationFailureLog(clock, 60_000, pino({ level: 'silent' }), 'gRPC port'),
    handshakeTimeoutMs: 10_000,
    maxHandshakes,
  });
  const request = (mechanism: string, saslBytes: Buffer, handshakeHandle = '') => ({ mechanism, saslBytes, handshakeHandle });
  return { clock, tokens, authenticator, request, credentials };
}

describe('SaslAuthenticator', () => {
  it('a PLAIN token ends once the password it was checked against changes', async () => {
    const { authenticator, tokens, request, credentials } = setup();
    const answer = await authenticator.authenticate(request('PLAIN', plainMessage('alice', 'secret')), '10.0.0.1:5000');
    expect(tokens.userOf(answer.sessionToken!)).toBe('alice');
    credentials.set('alice', scramCredentialFromPassword('SCRAM-SHA-512', 'changed', { salt: Buffer.alloc(32, 3) }));
    expect(tokens.userOf(answer.sessionToken!)).toBeUndefined();
  });

  it('refuses a new handshake (retriable) while the table is full, and the handshakes in progress complete', async () => {
    const { authenticator, tokens, request } = setup(1);
    const client = createScramClient({ mechanism: 'SCRAM-SHA-512', user: 'alice', password: 'secret' });
    const first = await authenticator.authenticate(request('SCRAM-SHA-512', client.first()), '10.0.0.1:5000');
    const flood = createScramClient({ mechanism: 'SCRAM-SHA-512', user: 'mallory', password: 'x' });
    const refused = await authenticator.authenticate(request('SCRAM-SHA-512', flood.first()), '10.0.0.2:5000');
    expect(refused.error?.code).toBe('THROTTLING_QUOTA_EXCEEDED');
    expect(refused.error?.message).toMatch(/1 SASL handshakes in progress/);
    const last = await authenticator.authenticate(request('', client.final(first.saslBytes as Buffer), first.handshakeHandle), '10.0.0.1:5000');
    expect(tokens.userOf(last.sessionToken!)).toBe('alice');
  });

  it('runs SCRAM over a handshake handle to a session token of the user', async () => {
    const { authenticator, tokens, request } = setup();
    const client = createScramClient({ mechanism: 'SCRAM-SHA-512', user: 'alice', password: 'secret' });
    const first = await authenticator.authenticate(request('scram-sha-512', client.first()), '10.0.0.1:5000');
    expect(first.error).toBeUndefined();
    const last = await authenticator.authenticate(request('', client.final(first.saslBytes as Buffer), first.handshakeHandle), '10.0.0.1:5000');
    expect(() => client.verify(last.saslBytes as Buffer)).not.toThrow();
    expect(last.sessionLifetimeMs).toBe(60_000);
    expect(tokens.userOf(last.sessionToken!)).toBe('alice');
    // The handle is spent.
    expect((await authenticator.authenticate(request('', Buffer.alloc(0), first.handshakeHandle), '10.0.0.1:5000')).error?.code).toBe('ILLEGAL_SASL_STATE');
  });

  it('answers a wrong password after the delay, as an unknown user', async () => {
    const { authenticator, clock, request } = setup();
    let settled = false;
    const wrong = authenticator.authenticate(request('PLAIN', plainMessage('alice', 'guess')), '10.0.0.1:5000').finally(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    clock.advance(100);
    const unknown = authenticator.authenticate(request('PLAIN', plainMessage('mallory', 'guess')), '10.0.0.1:5000');
    clock.advance(100);
    const [a, b] = await Promise.all([wrong, unknown]);
    expect(a.error).toEqual({ code: 'SASL_AUTHENTICATION_FAILED', message: expect.stringContaining('invalid credentials') });
    expect(b.error).toEqual(a.error);
  });

  it('refuses a mechanism not enabled and a handle expired or unknown', async () => {
    const { authenticator, clock, request } = setup();
    expect((await authenticator.authenticate(request('SCRAM-SHA-256', Buffer.from('n,,n=alice,r=x')), 'h:1')).error?.code).toBe('UNSUPPORTED_SASL_MECHANISM');
    const first = await authenticator.authenticate(request('SCRAM-SHA-512', createScramClient({ mechanism: 'SCRAM-SHA-512', user: 'alice', password: 'secret' }).first()), 'h:1');
    clock.advance(10_000);
    expect((await authenticator.authenticate(request('', Buffer.from('c=biws'), first.handshakeHandle), 'h:1')).error?.code).toBe('ILLEGAL_SASL_STATE');
  });
});
