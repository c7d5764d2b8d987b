import { ErrorCode, QuillError, errorFromResponse, type AuthenticateRequest, type AuthenticateResponse__Output } from '@quill/proto';
import { createScramClient, plainMessage } from '@quill/security';

/** The SDK's `sasl` option, shaped like KafkaJS's: the mechanism and the user's credentials. */
export interface SaslOptions {
  mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  username: string;
  password: string;
}

/** KafkaJS's defaults: authenticate again this long before a session ends (at most half its lifetime). */
export const DEFAULT_REAUTHENTICATION_THRESHOLD_MS = 10_000;

const MECHANISM_NAMES = { plain: 'PLAIN', 'scram-sha-256': 'SCRAM-SHA-256', 'scram-sha-512': 'SCRAM-SHA-512' } as const;

/** One call of a broker's Authenticate RPC. */
export type AuthenticateCall = (request: AuthenticateRequest) => Promise<AuthenticateResponse__Output>;

/** What a successful exchange gives: the session token and how long it is valid. */
export interface Session {
  token: string;
  lifetimeMs: number;
}

function failed(response: AuthenticateResponse__Output): QuillError | undefined {
  return errorFromResponse(response.error) ?? undefined;
}

/** One SASL exchange with a broker over its Authenticate RPC (PLAIN: one message; SCRAM: two, the server's proof checked). */
export async function authenticate(call: AuthenticateCall, sasl: SaslOptions): Promise<Session> {
  const mechanism = MECHANISM_NAMES[sasl.mechanism];
  if (mechanism === undefined) throw new QuillError(ErrorCode.INVALID_CONFIG, `sasl.mechanism ${String(sasl.mechanism)} is not one of ${Object.keys(MECHANISM_NAMES).join(', ')}`);
  if (mechanism === 'PLAIN') return sessionOf(await call({ mechanism, saslBytes: plainMessage(sasl.username, sasl.password) }));
  const scram = createScramClient({ mechanism, user: sasl.username, password: sasl.password });
  const first = await call({ mechanism, saslBytes: scram.first() });
  const firstFailure = failed(first);
  if (firstFailure !== undefined) throw firstFailure;
  const last = await call({ mechanism, saslBytes: scram.final(first.saslBytes), handshakeHandle: first.handshakeHandle });
  const session = sessionOf(last);
  try {
    scram.verify(last.saslBytes);
  } catch (error) {
    throw new QuillError(ErrorCode.SASL_AUTHENTICATION_FAILED, `broker not trusted: ${(error as Error).message}`);
  }
  return session;
}

function sessionOf(response: AuthenticateResponse__Output): Session {
  const failure = failed(response);
  if (failure !== undefined) throw failure;
  if (response.sessionToken === '') throw new QuillError(ErrorCode.ILLEGAL_SASL_STATE, 'the broker ended the SASL exchange without a session token');
  return { token: response.sessionToken, lifetimeMs: response.sessionLifetimeMs };
}

/**
 * The session token of one broker connection: authenticated on first use, again once the
 * session is within the reauthentication threshold of its end, and again after the broker
 * refused it (a restarted broker knows no earlier token). One exchange at a time.
 */
export class SaslSessionToken {
  private session: { token: string; renewAtMs: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(
    private readonly exchange: () => Promise<Session>,
    private readonly reauthenticationThresholdMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A token valid for a while yet. */
  current(): Promise<string> {
    if (this.session !== undefined && this.now() < this.session.renewAtMs) return Promise.resolve(this.session.token);
    this.pending ??= this.exchange().then(
      (session) => {
        this.pending = undefined;
        const startedAtMs = this.now();
        this.session = { token: session.token, renewAtMs: startedAtMs + session.lifetimeMs - Math.min(this.reauthenticationThresholdMs, session.lifetimeMs / 2) };
        return session.token;
      },
      (error: unknown) => {
        this.pending = undefined;
        throw error;
      },
    );
    return this.pending;
  }

  /** Forgets `token` (the broker refused it), so the next call authenticates again. */
  invalidate(token: string): void {
    if (this.session?.token === token) this.session = undefined;
  }
}
