import type { ScramCredential, ScramMechanism } from '../scram.js';

/** What one SASL token from the client comes to. */
export type SaslStep =
  /** The exchange goes on: `token` is the server's challenge. */
  | { kind: 'challenge'; token: Buffer }
  /** Authenticated as `user`; `token` is the server's last message (empty for PLAIN). */
  | { kind: 'authenticated'; token: Buffer; user: string }
  /**
   * Refused. `clientMessage` is what the client is told (the same for an unknown user and a wrong
   * password); `reason` and `user` are for the broker's log only.
   */
  | { kind: 'failed'; clientMessage: string; reason: string; user?: string };

/** The server side of one SASL exchange: one token in, one step out, until authenticated or failed. */
export interface SaslServer {
  readonly mechanism: string;
  step(token: Buffer): SaslStep;
}

/** A user's SCRAM credential for a mechanism as the metadata holds it, or undefined. */
export type ScramCredentialLookup = (user: string, mechanism: ScramMechanism) => ScramCredential | undefined;

/** Kafka's answer to a failed credential check, whatever the cause. */
export function invalidCredentialsMessage(mechanism: string): string {
  return `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`;
}
