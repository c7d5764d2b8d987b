// The SDK side of Kafka's AlterUserScramCredentials and DescribeUserScramCredentials: as Kafka's
// Admin does, the client salts and hashes the password, so the password never leaves it.
import { ErrorCode, QuillError, errorInfo, type AlterUserScramCredentialsResponse__Output, type DescribeUserScramCredentialsResponse__Output } from '@quill/proto';
import { DEFAULT_SCRAM_ITERATIONS, SCRAM_SALT_BYTES, isScramMechanism, scramSaltedPassword, type ScramMechanism } from '@quill/security';
import { randomBytes } from 'node:crypto';

/** Sets a user's credential for a mechanism (Kafka's UserScramCredentialUpsertion). */
export interface UserScramCredentialUpsertion {
  readonly type: 'upsert';
  readonly user: string;
  readonly mechanism: ScramMechanism;
  readonly password: string;
  /** DEFAULT_SCRAM_ITERATIONS (4096) when absent; the controller accepts 4096 to 16384. */
  readonly iterations?: number;
  /** A random salt when absent. */
  readonly salt?: Buffer;
}

/** Removes a user's credential for a mechanism (Kafka's UserScramCredentialDeletion). */
export interface UserScramCredentialDeletion {
  readonly type: 'delete';
  readonly user: string;
  readonly mechanism: ScramMechanism;
}

export type UserScramCredentialAlteration = UserScramCredentialUpsertion | UserScramCredentialDeletion;

/** One user's outcome: all of the user's alterations applied (NONE), or none of them. */
export interface AlterUserScramCredentialsResult {
  user: string;
  errorCode: ErrorCode;
  errorMessage?: string;
}

export interface ScramCredentialInfo {
  mechanism: ScramMechanism;
  iterations: number;
}

/** A user's SCRAM mechanisms and iterations; never salts or keys. */
export interface UserScramCredentialsDescription {
  user: string;
  errorCode: ErrorCode;
  errorMessage?: string;
  credentialInfos: ScramCredentialInfo[];
}

function checkMechanism(mechanism: string): void {
  if (!isScramMechanism(mechanism)) throw new QuillError(ErrorCode.UNSUPPORTED_SASL_MECHANISM, `unknown SCRAM mechanism ${mechanism}`);
}

/** The wire request: upsertions carry a salt and the salted password, computed here. */
export function alterUserScramCredentialsRequest(alterations: readonly UserScramCredentialAlteration[]): {
  deletions: Array<{ name: string; mechanism: string }>;
  upsertions: Array<{ name: string; mechanism: string; iterations: number; salt: Buffer; saltedPassword: Buffer }>;
} {
  const deletions: Array<{ name: string; mechanism: string }> = [];
  const upsertions: Array<{ name: string; mechanism: string; iterations: number; salt: Buffer; saltedPassword: Buffer }> = [];
  for (const alteration of alterations) {
    checkMechanism(alteration.mechanism);
    if (alteration.type === 'delete') {
      deletions.push({ name: alteration.user, mechanism: alteration.mechanism });
      continue;
    }
    const iterations = alteration.iterations ?? DEFAULT_SCRAM_ITERATIONS;
    const salt = alteration.salt ?? randomBytes(SCRAM_SALT_BYTES);
    upsertions.push({ name: alteration.user, mechanism: alteration.mechanism, iterations, salt, saltedPassword: scramSaltedPassword(alteration.mechanism, alteration.password, salt, iterations) });
  }
  return { deletions, upsertions };
}

export function alterUserScramCredentialsResults(response: AlterUserScramCredentialsResponse__Output): AlterUserScramCredentialsResult[] {
  return response.results.map((r) => ({ user: r.user, errorCode: errorInfo(r.errorCode).name, ...(r.errorMessage === '' ? {} : { errorMessage: r.errorMessage }) }));
}

export function userScramCredentialsDescriptions(response: DescribeUserScramCredentialsResponse__Output): UserScramCredentialsDescription[] {
  return response.results.map((r) => ({
    user: r.user,
    errorCode: errorInfo(r.errorCode).name,
    ...(r.errorMessage === '' ? {} : { errorMessage: r.errorMessage }),
    credentialInfos: r.credentialInfos.filter((c) => isScramMechanism(c.mechanism)).map((c) => ({ mechanism: c.mechanism as ScramMechanism, iterations: c.iterations })),
  }));
}
