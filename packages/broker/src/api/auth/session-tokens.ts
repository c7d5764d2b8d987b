import { randomBytes } from 'node:crypto';
import type { Clock } from '@quill/clock';
import { ExpiringEntries } from './expiring-entries.js';

/** Random bytes in a session token or handshake handle: guessing one is as hard as a 256-bit key. */
export const SESSION_TOKEN_BYTES = 32;

/** A fresh unguessable token, URL-safe so it travels as gRPC metadata text. */
export function randomToken(): string {
  return randomBytes(SESSION_TOKEN_BYTES).toString('base64url');
}

export interface SessionTokensOptions {
  clock: Clock;
  /** sasl.session.lifetime.ms: how long a token is valid after Authenticate answered it. */
  lifetimeMs: number;
  /** Tokens held at once at most; past it the oldest is forgotten (its client authenticates again). */
  maxSessions: number;
  /** Whether the user still has credentials: a deleted user's tokens stop working at once. */
  userExists(user: string): boolean;
}

/** The session tokens a broker has answered on its gRPC port, each naming its SASL user. */
export class SessionTokens {
  private readonly users: ExpiringEntries<string>;

  constructor(private readonly options: SessionTokensOptions) {
    this.users = new ExpiringEntries(options.clock, options.lifetimeMs, options.maxSessions);
  }

  get size(): number {
    return this.users.size;
  }

  /** A new token for `user`, with how long it is valid. */
  issue(user: string): { token: string; lifetimeMs: number } {
    const token = randomToken();
    this.users.add(token, user);
    return { token, lifetimeMs: this.options.lifetimeMs };
  }

  /** The user of a valid token; undefined for an unknown or expired one, or a deleted user's (whose tokens all go). */
  userOf(token: string): string | undefined {
    const user = this.users.get(token);
    if (user === undefined) return undefined;
    if (this.options.userExists(user)) return user;
    this.users.deleteWhere((u) => u === user);
    return undefined;
  }
}
