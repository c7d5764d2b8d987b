import { ManualClock } from '@quill/clock';
import type { SaslHandshakeResponse } from '@quill/kafka-protocol';
import { scramCredentialFromPassword, unknownUserCredentials } from '@quill/security';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { AnswerThenClose, type KafkaRequestContext } from '../handler-registry.js';
import { AuthenticationFailureLog } from '../sasl/authentication-failure-log.js';
import { SaslSession } from '../sasl/sasl-session.js';
import { saslAuthenticateKafkaHandler } from './sasl-authenticate.js';
import { saslHandshakeKafkaHandler } from './sasl-handshake.js';

const alice = scramCredentialFromPassword('SCRAM-SHA-256', 'alice-secret', { salt: Buffer.alloc(32, 1) });

function setup() {
  const clock = new ManualClock(0);
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  const authenticate = saslAuthenticateKafkaHandler({ clock, failedAuthenticationDelayMs: 100, failures: new AuthenticationFailureLog(clock, 60_000, logger) });
  const context = (session?: SaslSession, clientAddress = '10.0.0.1:5000'): KafkaRequestContext => ({
    header: { apiKey: 36, apiVersion: 2, correlationId: 1, clientId: 'c', bodyOffset: 0 },
    clientAddress,
    logger,
    ...(session === undefined ? {} : { session }),
  });
  const session = () =>
    new SaslSession({
      enabledMechanisms: ['SCRAM-SHA-256', 'PLAIN'],
      credentialOf: (user, mechanism) => (user === 'alice' && mechanism === 'SCRAM-SHA-256' ? alice : undefined),
      unknownUserCredential: unknownUserCredentials(Buffer.alloc(32, 5)),
    });
  return { clock, lines, authenticate, context, session };
}

describe('SaslHandshake', () => {
  it('lists the enabled mechanisms; an unknown one is answered UNSUPPORTED_SASL_MECHANISM and closed', async () => {
    const { context, session } = setup();
    const handler = saslHandshakeKafkaHandler();
    expect(await handler.handle({ mechanism: 'PLAIN' }, context(session()))).toEqual({ errorCode: 0, mechanisms: ['SCRAM-SHA-256', 'PLAIN'] });
    const refused = await handler.handle({ mechanism: 'GSSAPI' }, context(session()));
    expect(refused).toBeInstanceOf(AnswerThenClose);
    expect((refused as AnswerThenClose).body).toEqual({ errorCode: 33, mechanisms: ['SCRAM-SHA-256', 'PLAIN'] } satisfies SaslHandshakeResponse);
  });

  it('answers a v0 handshake (raw SASL tokens after it) UNSUPPORTED_VERSION and closes', async () => {
    const { context, session } = setup();
    const v0 = { ...context(session()), header: { apiKey: 17, apiVersion: 0, correlationId: 1, clientId: 'c', bodyOffset: 0 } };
    const refused = await saslHandshakeKafkaHandler().handle({ mechanism: 'PLAIN' }, v0);
    expect((refused as AnswerThenClose).body).toEqual({ errorCode: 35, mechanisms: ['SCRAM-SHA-256', 'PLAIN'] });
  });
});

describe('SaslAuthenticate', () => {
  it('answers the token of a good exchange', async () => {
    const { authenticate, context, session } = setup();
    const s = session();
    s.handshake('PLAIN');
    expect(await authenticate.handle({ authBytes: Buffer.from('\0alice\0alice-secret') }, context(s))).toEqual({ errorCode: 0, errorMessage: null, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n });
  });

  it('holds a failure for the delay, answers SASL_AUTHENTICATION_FAILED and closes, logging once per host per minute', async () => {
    const { clock, lines, authenticate, context, session } = setup();
    const fail = async (clientAddress: string) => {
      const s = session();
      s.handshake('PLAIN');
      let settled = false;
      const answer = authenticate.handle({ authBytes: Buffer.from('\0alice\0guess') }, context(s, clientAddress)).finally(() => (settled = true));
      await Promise.resolve();
      clock.advance(99);
      await Promise.resolve();
      expect(settled).toBe(false);
      clock.advance(1);
      return answer;
    };
    const refused = await fail('10.0.0.1:5000');
    expect(refused).toBeInstanceOf(AnswerThenClose);
    expect((refused as AnswerThenClose).body).toMatchObject({ errorCode: 58, errorMessage: expect.stringMatching(/invalid credentials with SASL mechanism PLAIN/) });
    await fail('10.0.0.1:5001');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ client: '10.0.0.1:5000', user: 'alice', mechanism: 'PLAIN', msg: 'kafka listener: failed authentication' });
    clock.advance(60_000);
    await fail('10.0.0.1:5002');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ client: '10.0.0.1:5002', suppressed: 1 });
  });

  it('answers ILLEGAL_SASL_STATE without a handshake', async () => {
    const { authenticate, context, session } = setup();
    const refused = await authenticate.handle({ authBytes: Buffer.from('x') }, context(session()));
    expect((refused as AnswerThenClose).body).toMatchObject({ errorCode: 34 });
  });
});
