import type { Clock } from '@quill/clock';
import type { AuthenticateRequest__Output, AuthenticateResponse, ErrorCode } from '@quill/proto';
import type { AuthenticationFailureLog } from '../../kafka-listener/sasl/authentication-failure-log.js';
import { SaslSession, type SaslSessionDeps } from '../../kafka-listener/sasl/sasl-session.js';
import { ExpiringEntries } from './expiring-entries.js';
import { randomToken, type SessionTokens } from './session-tokens.js';

export interface SaslAuthenticatorOptions {
  clock: Clock;
  /** The enabled mechanisms and credential lookup the Kafka listener's SASL sessions use too. */
  session: SaslSessionDeps;
  tokens: SessionTokens;
  /** connection.failed.authentication.delay.ms: how late a failed authentication is answered. */
  failedAuthenticationDelayMs: number;
  failures: AuthenticationFailureLog;
  /** A handshake whose next message does not come within this is forgotten. */
  handshakeTimeoutMs: number;
  /** Handshakes in progress at once at most; past it new ones are refused, retriable, and the others go on. */
  maxHandshakes: number;
}

/**
 * The broker's Authenticate RPC: one SASL message in, one out. A handshake between messages is
 * held under a random handle; an authenticated one answers a session token. A failure is logged
 * (rate-limited per client host) and answered after the failed-authentication delay, with the
 * same message for an unknown user as for a wrong password, as on the Kafka listener.
 */
export class SaslAuthenticator {
  private readonly handshakes: ExpiringEntries<SaslSession>;

  constructor(private readonly options: SaslAuthenticatorOptions) {
    this.handshakes = new ExpiringEntries(options.clock, options.handshakeTimeoutMs, options.maxHandshakes);
  }

  async authenticate(request: AuthenticateRequest__Output, clientAddress: string): Promise<AuthenticateResponse> {
    const opened = this.sessionOf(request);
    if (!('session' in opened)) return opened;
    const { session, handle } = opened;
    const step = session.authenticate(request.saslBytes);
    if (step.kind === 'illegal-state') return refused('ILLEGAL_SASL_STATE', 'the SASL exchange is already over');
    if (step.kind === 'failed') {
      if (handle !== undefined) this.handshakes.delete(handle);
      this.options.failures.record(clientAddress, { mechanism: session.mechanism, reason: step.reason, ...(step.user === undefined ? {} : { user: step.user }) });
      await new Promise<void>((resolve) => this.options.clock.setTimeout(resolve, this.options.failedAuthenticationDelayMs));
      return refused('SASL_AUTHENTICATION_FAILED', step.clientMessage);
    }
    if (step.kind === 'challenge') {
      if (handle !== undefined) {
        this.handshakes.add(handle, session);
        return { saslBytes: step.token, handshakeHandle: handle };
      }
      const next = randomToken();
      if (this.handshakes.addIfRoom(next, session) === undefined) {
        return refused('THROTTLING_QUOTA_EXCEEDED', `the broker has ${this.options.maxHandshakes} SASL handshakes in progress (sasl.max.handshakes); retry shortly`);
      }
      return { saslBytes: step.token, handshakeHandle: next };
    }
    if (handle !== undefined) this.handshakes.delete(handle);
    const { token, lifetimeMs } = this.options.tokens.issue(step.user, session.mechanism);
    return { saslBytes: step.token, sessionToken: token, sessionLifetimeMs: lifetimeMs };
  }

  /** A new handshake for a message without a handle, else the one its handle names. */
  private sessionOf(request: AuthenticateRequest__Output): { session: SaslSession; handle: string | undefined } | AuthenticateResponse {
    if (request.handshakeHandle === '') {
      const session = new SaslSession(this.options.session);
      const answer = session.handshake(request.mechanism.toUpperCase());
      if (answer.kind !== 'ok') return refused('UNSUPPORTED_SASL_MECHANISM', `SASL mechanism ${request.mechanism} is not enabled; enabled: ${session.enabledMechanisms.join(', ')}`);
      return { session, handle: undefined };
    }
    const session = this.handshakes.get(request.handshakeHandle);
    if (session === undefined) return refused('ILLEGAL_SASL_STATE', 'unknown or expired handshake handle: start the SASL exchange again');
    return { session, handle: request.handshakeHandle };
  }
}

function refused(code: ErrorCode, message: string): AuthenticateResponse {
  return { error: { code, message } };
}
