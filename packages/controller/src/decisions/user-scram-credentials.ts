// AlterUserScramCredentials and DescribeUserScramCredentials with Kafka's semantics (KIP-554).
// The client sends the salt and the salted password; the controller derives the StoredKey and
// ServerKey and logs only those. Answers are per user: a user with any refused alteration gets
// that error and none of its alterations applies, while other users' changes still do.
import { ErrorCode } from '@quill/proto';
import {
  removeUserScramCredentialRecord,
  scramCredentialOf,
  userScramCredentialRecord,
  type MetadataRecord,
  type MetadataState,
} from '@quill/metadata';
import {
  SCRAM_MAX_ITERATIONS,
  SCRAM_MIN_ITERATIONS,
  isScramMechanism,
  scramCredentialFromSaltedPassword,
  type ScramMechanism,
} from '@quill/security';
import { accept, type Accepted } from './decision.js';

export interface ScramCredentialDeletion {
  readonly name: string;
  readonly mechanism: string;
}

export interface ScramCredentialUpsertion {
  readonly name: string;
  readonly mechanism: string;
  readonly iterations: number;
  readonly salt: Buffer;
  readonly saltedPassword: Buffer;
}

export interface UserScramCredentialsAlteration {
  readonly deletions: readonly ScramCredentialDeletion[];
  readonly upsertions: readonly ScramCredentialUpsertion[];
}

export interface UserResult {
  readonly user: string;
  readonly errorCode: ErrorCode;
  readonly errorMessage: string;
}

export interface DescribedUser extends UserResult {
  readonly credentials: ReadonlyArray<{ readonly mechanism: ScramMechanism; readonly iterations: number }>;
}

interface Refusal {
  readonly errorCode: ErrorCode;
  readonly errorMessage: string;
}

function refusal(errorCode: ErrorCode, errorMessage: string): Refusal {
  return { errorCode, errorMessage };
}

function checkCommon(alteration: ScramCredentialDeletion): Refusal | undefined {
  if (alteration.name === '') return refusal(ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty');
  if (!isScramMechanism(alteration.mechanism)) return refusal(ErrorCode.UNSUPPORTED_SASL_MECHANISM, `Unknown SCRAM mechanism ${alteration.mechanism}`);
  return undefined;
}

function checkDeletion(state: MetadataState, deletion: ScramCredentialDeletion): Refusal | undefined {
  const common = checkCommon(deletion);
  if (common !== undefined) return common;
  if (scramCredentialOf(state, deletion.name, deletion.mechanism as ScramMechanism) === undefined) {
    return refusal(ErrorCode.RESOURCE_NOT_FOUND, 'Attempt to delete a user credential that does not exist');
  }
  return undefined;
}

function checkUpsertion(upsertion: ScramCredentialUpsertion): Refusal | undefined {
  const common = checkCommon(upsertion);
  if (common !== undefined) return common;
  if (upsertion.iterations < SCRAM_MIN_ITERATIONS) return refusal(ErrorCode.UNACCEPTABLE_CREDENTIAL, `Too few iterations: at least ${SCRAM_MIN_ITERATIONS}`);
  if (upsertion.iterations > SCRAM_MAX_ITERATIONS) return refusal(ErrorCode.UNACCEPTABLE_CREDENTIAL, `Too many iterations: at most ${SCRAM_MAX_ITERATIONS}`);
  if (upsertion.salt.length === 0 || upsertion.saltedPassword.length === 0) {
    return refusal(ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Salt and salted password must not be empty');
  }
  return undefined;
}

/** Applies every user's alterations that pass, in request order; one result per user named. */
export function alterUserScramCredentials(state: MetadataState, alteration: UserScramCredentialsAlteration): Accepted<UserResult[]> {
  const users: string[] = [];
  const refused = new Map<string, Refusal>();
  const seen = new Set<string>();
  const refuse = (user: string, why: Refusal | undefined): void => {
    if (!users.includes(user)) users.push(user);
    if (why !== undefined && !refused.has(user)) refused.set(user, why);
  };
  const all = [...alteration.deletions.map((d) => ({ alteration: d, why: checkDeletion(state, d) })), ...alteration.upsertions.map((u) => ({ alteration: u, why: checkUpsertion(u) }))];
  for (const { alteration: a, why } of all) {
    const key = `${a.name}\u0000${a.mechanism}`;
    const duplicate = seen.has(key) ? refusal(ErrorCode.DUPLICATE_RESOURCE, 'A user credential cannot be altered twice in the same request') : undefined;
    seen.add(key);
    refuse(a.name, duplicate ?? why);
  }

  const records: MetadataRecord[] = [];
  for (const d of alteration.deletions) {
    if (!refused.has(d.name)) records.push(removeUserScramCredentialRecord(d.name, d.mechanism as ScramMechanism));
  }
  for (const u of alteration.upsertions) {
    if (refused.has(u.name)) continue;
    const mechanism = u.mechanism as ScramMechanism;
    records.push(userScramCredentialRecord(u.name, mechanism, scramCredentialFromSaltedPassword(mechanism, u.salt, u.saltedPassword, u.iterations)));
  }
  const results = users.map((user) => {
    const why = refused.get(user);
    return { user, errorCode: why?.errorCode ?? ErrorCode.NONE, errorMessage: why?.errorMessage ?? '' };
  });
  return accept(records, results);
}

/** The mechanisms and iterations of the named users (every user with a credential when none is named). */
export function describeUserScramCredentials(state: MetadataState, users: readonly string[]): DescribedUser[] {
  const names = users.length === 0 ? [...state.scramCredentials.keys()].sort() : users;
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  const described: DescribedUser[] = [];
  const answered = new Set<string>();
  for (const user of names) {
    if (answered.has(user)) continue;
    answered.add(user);
    const ofUser = state.scramCredentials.get(user);
    if ((counts.get(user) ?? 0) > 1) {
      described.push({ user, errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: 'Cannot describe SCRAM credentials for the same user twice in a single request', credentials: [] });
    } else if (ofUser === undefined) {
      described.push({ user, errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: 'Attempt to describe a user credential that does not exist', credentials: [] });
    } else {
      const credentials = [...ofUser.keys()].sort().map((mechanism) => ({ mechanism, iterations: ofUser.get(mechanism)!.iterations }));
      described.push({ user, errorCode: ErrorCode.NONE, errorMessage: '', credentials });
    }
  }
  return described;
}
