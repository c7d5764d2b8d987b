import type { AuthenticateRequest, AuthenticateResponse__Output } from '@quill/proto';
import { createPlainServer, createScramServer, scramCredentialFromPassword, unknownUserCredentials, type SaslServer } from '@quill/security';
import { describe, expect, it } from 'vitest';
import { SaslSessionToken, authenticate } from './sasl-session.js';

const credential = scramCredentialFromPassword('SCRAM-SHA-512', 'secret', { salt: Buffer.alloc(32, 4) });
const lookup = { credentialOf: (user: string) => (user === 'alice' ? credential : undefined), unknownUserCredential: unknownUserCredentials(Buffer.alloc(32, 9)) };

/** A broker's Authenticate over the real SASL servers, one handshake per handle. */
function broker(lifetimeMs = 60_000) {
  const handshakes = new Map<string, SaslServer>();
  let issued = 0;
  return async (request: AuthenticateRequest): Promise<AuthenticateResponse__Output> => {
    const none = { error: null, saslBytes: Buffer.alloc(0), handshakeHandle: '', sessionToken: '', sessionLifetimeMs: 0 };
    const server = request.handshakeHandle ? handshakes.get(request.handshakeHandle)! : request.mechanism === 'PLAIN' ? createPlainServer(lookup) : createScramServer({ mechanism: 'SCRAM-SHA-512', ...lookup });
    const step = server.step(Buffer.from(request.saslBytes as Buffer));
    if (step.kind === 'failed') return { ...none, error: { code: 'SASL_AUTHENTICATION_FAILED', message: step.clientMessage } };
    if (step.kind === 'challenge') {
      handshakes.set('h', server);
      return { ...none, saslBytes: step.token, handshakeHandle: 'h' };
    }
    return { ...none, saslBytes: step.token, sessionToken: `token-${++issued}`, sessionLifetimeMs: lifetimeMs };
  };
}

describe('authenticate', () => {
  it('runs SCRAM-SHA-512 and PLAIN to a session token', async () => {
    await expect(authenticate(broker(), { mechanism: 'scram-sha-512', username: 'alice', password: 'secret' })).resolves.toEqual({ token: 'token-1', lifetimeMs: 60_000 });
    await expect(authenticate(broker(), { mechanism: 'plain', username: 'alice', password: 'secret' })).resolves.toEqual({ token: 'token-1', lifetimeMs: 60_000 });
  });

  it('fails with SASL_AUTHENTICATION_FAILED for a wrong password', async () => {
    await expect(authenticate(broker(), { mechanism: 'scram-sha-512', username: 'alice', password: 'guess' })).rejects.toMatchObject({ code: 'SASL_AUTHENTICATION_FAILED', retriable: false });
  });
});

describe('SaslSessionToken', () => {
  it('authenticates once, again before the session ends, and after the broker refused the token', async () => {
    let now = 0;
    const call = broker(60_000);
    const session = new SaslSessionToken(() => authenticate(call, { mechanism: 'scram-sha-512', username: 'alice', password: 'secret' }), 10_000, () => now);
    const [a, b] = await Promise.all([session.current(), session.current()]);
    expect([a, b]).toEqual(['token-1', 'token-1']);
    now = 49_999;
    expect(await session.current()).toBe('token-1');
    now = 50_000;
    expect(await session.current()).toBe('token-2');
    session.invalidate('token-2');
    expect(await session.current()).toBe('token-3');
  });
});
