import { ApiKeys } from '@quill/kafka-protocol';
import { createPlainServer, createScramServer, type SaslServer, type SaslStep, type ScramCredential, type ScramCredentialLookup, type ScramMechanism } from '@quill/security';
import type { KafkaSaslMechanism } from './sasl-mechanisms.js';

/** What every session of a listener shares: the enabled mechanisms and where credentials come from. */
export interface SaslSessionDeps {
  enabledMechanisms: readonly KafkaSaslMechanism[];
  credentialOf: ScramCredentialLookup;
  unknownUserCredential(user: string, mechanism: ScramMechanism): ScramCredential;
}

/** APIs served before authentication, as Kafka: enough to learn versions and authenticate. */
const BEFORE_AUTHENTICATION: ReadonlySet<number> = new Set([ApiKeys.ApiVersions, ApiKeys.SaslHandshake, ApiKeys.SaslAuthenticate]);

export type HandshakeAnswer = { kind: 'ok' } | { kind: 'unsupported-mechanism' } | { kind: 'illegal-state' };
export type AuthenticateAnswer = SaslStep | { kind: 'illegal-state' };

/**
 * The SASL state of one connection on a SASL_PLAINTEXT or SASL_SSL listener: handshake (choose a
 * mechanism), authenticate (one or more tokens), then authenticated with a principal, or failed.
 * Until authenticated only ApiVersions, SaslHandshake and SaslAuthenticate are admitted.
 */
export class SaslSession {
  private phase: 'handshake' | 'authenticate' | 'authenticated' | 'failed' = 'handshake';
  private server: SaslServer | undefined;
  private user: string | undefined;

  constructor(private readonly deps: SaslSessionDeps) {}

  get enabledMechanisms(): readonly string[] {
    return this.deps.enabledMechanisms;
  }

  get authenticated(): boolean {
    return this.phase === 'authenticated';
  }

  /** The mechanism chosen in the handshake, if any. */
  get mechanism(): string | undefined {
    return this.server?.mechanism;
  }

  /** `User:<name>` once authenticated (Kafka's principal, for authorization). */
  get principal(): string | undefined {
    return this.user === undefined ? undefined : `User:${this.user}`;
  }

  admits(apiKey: number): boolean {
    return this.phase === 'authenticated' || (this.phase !== 'failed' && BEFORE_AUTHENTICATION.has(apiKey));
  }

  handshake(mechanism: string): HandshakeAnswer {
    if (this.phase !== 'handshake') {
      this.phase = 'failed';
      return { kind: 'illegal-state' };
    }
    const enabled = this.deps.enabledMechanisms.find((name) => name === mechanism);
    if (enabled === undefined) {
      this.phase = 'failed';
      return { kind: 'unsupported-mechanism' };
    }
    this.server =
      enabled === 'PLAIN'
        ? createPlainServer(this.deps)
        : createScramServer({ mechanism: enabled, credentialOf: this.deps.credentialOf, unknownUserCredential: this.deps.unknownUserCredential });
    this.phase = 'authenticate';
    return { kind: 'ok' };
  }

  authenticate(token: Buffer): AuthenticateAnswer {
    if (this.phase !== 'authenticate' || this.server === undefined) {
      this.phase = 'failed';
      return { kind: 'illegal-state' };
    }
    const step = this.server.step(token);
    if (step.kind === 'failed') this.phase = 'failed';
    if (step.kind === 'authenticated') {
      this.phase = 'authenticated';
      this.user = step.user;
    }
    return step;
  }
}
