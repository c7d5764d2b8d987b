import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '@quill/clock';
import { PLAIN_CHECK_ORDER, type ScramCredential, type ScramCredentialLookup, type ScramMechanism } from '@quill/security';
import { ExpiringEntries } from './expiring-entries.js';

/** Random bytes in a session token or handshake handle: guessing one is as hard as a 256-bit key. */
export const SESSION_TOKEN_BYTES = 32;

/** A fresh unguessable token, URL-safe so it travels as gRPC metadata text. */
export function randomToken(): string {
  return randomBytes(SESSION_TOKEN_BYTES).toString('base64url');
}

/** What identifies one credential of a user: a changed password, or a user deleted and created again, gives another. */
export function credentialFingerprint(mechanism: ScramMechanism, credential: ScramCredential): string {
  return createHash('sha256').update(`${mechanism}\0${credential.iterations}\0`).update(credential.salt).update('\0').update(credential.storedKey).digest('base64');
}

export interface SessionTokensOptions {
  clock: Clock;
  /** sasl.session.lifetime.ms: how long a token is valid after Authenticate answered it. */
  lifetimeMs: number;
  /** Tokens held at once at most; past it the oldest is forgotten (its client authenticates again). */
  maxSessions: number;
  /** The user's credential now: a token stops working once the credential it was issued on changed or went. */
  credentialOf: ScramCredentialLookup;
}

interface Session {
  user: string;
  mechanism: ScramMechanism;
  fingerprint: string;
}

/** The session tokens a broker has answered on its gRPC port, each naming its SASL user and the credential it proved. */
export class SessionTokens {
  private readonly sessions: ExpiringEntries<Session>;

  constructor(private readonly options: SessionTokensOptions) {
    this.sessions = new ExpiringEntries(options.clock, options.lifetimeMs, options.maxSessions);
  }

  get size(): number {
    return this.sessions.size;
  }

  /**
   * A new token for `user`, just authenticated with `saslMechanism`, with how long it is valid.
   * PLAIN proves the credential it checks the password against (the first of PLAIN_CHECK_ORDER
   * the user has); it must be called before the credentials can change, as the authenticator does.
   */
  issue(user: string, saslMechanism: string | undefined): { token: string; lifetimeMs: number } {
    const token = randomToken();
    const mechanism = saslMechanism === 'PLAIN' ? PLAIN_CHECK_ORDER.find((m) => this.options.credentialOf(user, m) !== undefined) : (saslMechanism as ScramMechanism | undefined);
    const credential = mechanism === undefined ? undefined : this.options.credentialOf(user, mechanism);
    // Without a credential (gone between the check and now) the token is never issued valid.
    if (mechanism !== undefined && credential !== undefined) this.sessions.add(token, { user, mechanism, fingerprint: credentialFingerprint(mechanism, credential) });
    return { token, lifetimeMs: this.options.lifetimeMs };
  }

  /** The user of a valid token; undefined for an unknown or expired one, or one whose credential changed or went since. */
  userOf(token: string): string | undefined {
    const session = this.sessions.get(token);
    if (session === undefined) return undefined;
    const credential = this.options.credentialOf(session.user, session.mechanism);
    if (credential !== undefined && credentialFingerprint(session.mechanism, credential) === session.fingerprint) return session.user;
    this.sessions.delete(token);
    return undefined;
  }
}
