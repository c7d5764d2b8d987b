// SCRAM credentials (RFC 5802, RFC 7677): what the metadata log keeps for a user instead of the
// password, and the primitives the SASL exchange recomputes. Salted password =
// Hi(password, salt, i) (PBKDF2 with HMAC), ClientKey = HMAC(salted, "Client Key"),
// StoredKey = H(ClientKey), ServerKey = HMAC(salted, "Server Key").
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

export const SCRAM_MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type ScramMechanism = (typeof SCRAM_MECHANISMS)[number];

/** Kafka's bounds on SCRAM iterations (ScramMechanism.minIterations, and 16384 as its upper limit). */
export const SCRAM_MIN_ITERATIONS = 4096;
export const SCRAM_MAX_ITERATIONS = 16_384;
/** kafka-configs' default iterations for both mechanisms. */
export const DEFAULT_SCRAM_ITERATIONS = 4096;
/** Bytes of a random salt. */
export const SCRAM_SALT_BYTES = 32;

export interface ScramCredential {
  readonly salt: Buffer;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
  readonly iterations: number;
}

export function isScramMechanism(name: string): name is ScramMechanism {
  return (SCRAM_MECHANISMS as readonly string[]).includes(name);
}

/** The hash function name node:crypto knows for a mechanism. */
export function scramDigest(mechanism: ScramMechanism): 'sha256' | 'sha512' {
  return mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
}

export function scramHmac(mechanism: ScramMechanism, key: Buffer, data: Buffer | string): Buffer {
  return createHmac(scramDigest(mechanism), key).update(data).digest();
}

export function scramHash(mechanism: ScramMechanism, data: Buffer): Buffer {
  return createHash(scramDigest(mechanism)).update(data).digest();
}

/**
 * Hi(password, salt, iterations): PBKDF2 with the mechanism's HMAC, one hash long. The password's
 * UTF-8 bytes are used as they are (no SASLprep), as Kafka's ScramFormatter does.
 */
export function scramSaltedPassword(mechanism: ScramMechanism, password: string, salt: Buffer, iterations: number): Buffer {
  const digest = scramDigest(mechanism);
  return pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, createHash(digest).digest().length, digest);
}

export function scramClientKey(mechanism: ScramMechanism, saltedPassword: Buffer): Buffer {
  return scramHmac(mechanism, saltedPassword, 'Client Key');
}

export function scramCredentialFromSaltedPassword(
  mechanism: ScramMechanism,
  salt: Buffer,
  saltedPassword: Buffer,
  iterations: number,
): ScramCredential {
  return {
    salt: Buffer.from(salt),
    storedKey: scramHash(mechanism, scramClientKey(mechanism, saltedPassword)),
    serverKey: scramHmac(mechanism, saltedPassword, 'Server Key'),
    iterations,
  };
}

export interface ScramPasswordOptions {
  /** A random salt of SCRAM_SALT_BYTES when absent. */
  readonly salt?: Buffer;
  readonly iterations?: number;
}

export function scramCredentialFromPassword(mechanism: ScramMechanism, password: string, options: ScramPasswordOptions = {}): ScramCredential {
  const salt = options.salt ?? randomBytes(SCRAM_SALT_BYTES);
  const iterations = options.iterations ?? DEFAULT_SCRAM_ITERATIONS;
  return scramCredentialFromSaltedPassword(mechanism, salt, scramSaltedPassword(mechanism, password, salt, iterations), iterations);
}
