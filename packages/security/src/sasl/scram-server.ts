import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { DEFAULT_SCRAM_ITERATIONS, SCRAM_SALT_BYTES, scramHash, scramHmac, type ScramCredential, type ScramMechanism } from '../scram.js';
import { formatServerFinal, formatServerFirst, parseClientFinal, parseClientFirst, ScramFormatError, type ClientFirstMessage } from './scram-messages.js';
import { invalidCredentialsMessage, type SaslServer, type SaslStep, type ScramCredentialLookup } from './sasl-server.js';

/** Random bytes in the server's part of a SCRAM nonce (Kafka's ScramFormatter: a 32-byte secure random). */
export const SCRAM_SERVER_NONCE_BYTES = 32;

export interface ScramServerOptions {
  mechanism: ScramMechanism;
  credentialOf: ScramCredentialLookup;
  /**
   * The credential answered for a user with none: a salt stable per user, so asking twice cannot
   * tell an unknown user from a known one before the proof fails ({@link unknownUserCredentials}).
   */
  unknownUserCredential(user: string, mechanism: ScramMechanism): ScramCredential;
  /** The server's part of the nonce; random unless a test fixes it. */
  serverNonce?: () => string;
}

type State =
  | { phase: 'client-first' }
  | { phase: 'client-final'; clientFirst: ClientFirstMessage; serverFirst: string; nonce: string; credential: ScramCredential; known: boolean }
  | { phase: 'done' };

/**
 * The server side of SCRAM-SHA-256/512 (RFC 5802, RFC 7677): client-first → server-first (salt,
 * iterations, the client's nonce with ours appended) → client-final, whose proof must recover a
 * ClientKey hashing to the StoredKey → server-final with the ServerSignature. Pure apart from the
 * nonce source: no I/O, no clock.
 */
export function createScramServer(options: ScramServerOptions): SaslServer {
  const { mechanism } = options;
  const serverNonce = options.serverNonce ?? (() => randomBytes(SCRAM_SERVER_NONCE_BYTES).toString('base64'));
  let state: State = { phase: 'client-first' };
  const fail = (reason: string, user?: string, clientMessage = invalidCredentialsMessage(mechanism)): SaslStep => {
    state = { phase: 'done' };
    return { kind: 'failed', clientMessage, reason, ...(user === undefined ? {} : { user }) };
  };

  return {
    mechanism,
    step(token) {
      try {
        if (state.phase === 'client-first') {
          const clientFirst = parseClientFirst(token.toString('utf8'));
          if (clientFirst.extensions.has('tokenauth')) return fail('delegation tokens are not supported', clientFirst.user, 'SCRAM delegation token authentication is not supported');
          const stored = options.credentialOf(clientFirst.user, mechanism);
          const credential = stored ?? options.unknownUserCredential(clientFirst.user, mechanism);
          const nonce = clientFirst.nonce + serverNonce();
          const serverFirst = formatServerFirst(nonce, credential.salt, credential.iterations);
          state = { phase: 'client-final', clientFirst, serverFirst, nonce, credential, known: stored !== undefined };
          return { kind: 'challenge', token: Buffer.from(serverFirst, 'utf8') };
        }
        if (state.phase === 'client-final') {
          const { clientFirst, serverFirst, nonce, credential, known } = state;
          const user = clientFirst.user;
          const clientFinal = parseClientFinal(token.toString('utf8'));
          // Kafka's check: the nonce must end with the exchange's (librdkafka sends its own nonce
          // again in front of it); the proof covers the message as sent either way.
          if (!clientFinal.nonce.endsWith(nonce)) return fail('the client final message does not carry the nonce of the exchange', user, 'Invalid SCRAM nonce');
          if (!clientFinal.channelBinding.equals(Buffer.from(clientFirst.gs2Header, 'utf8'))) return fail('channel binding differs from the gs2 header', user, 'Invalid SCRAM channel binding');
          const authMessage = `${clientFirst.bare},${serverFirst},${clientFinal.withoutProof}`;
          if (!known) return fail('unknown user', user);
          if (!proofMatches(mechanism, credential, authMessage, clientFinal.proof)) return fail('wrong password (SCRAM proof does not match)', user);
          if (clientFirst.authzid !== undefined && clientFirst.authzid !== '' && clientFirst.authzid !== user) {
            return fail(`authorization id ${clientFirst.authzid} differs from the user`, user, 'Authentication failed: Client requested an authorization id that is different from username');
          }
          state = { phase: 'done' };
          return { kind: 'authenticated', token: Buffer.from(formatServerFinal(scramHmac(mechanism, credential.serverKey, authMessage)), 'utf8'), user };
        }
        return fail('a token after the exchange ended', undefined, 'The SCRAM exchange is already complete');
      } catch (error) {
        if (error instanceof ScramFormatError) return fail(error.message, undefined, error.message);
        throw error;
      }
    },
  };
}

/** ClientKey = proof XOR HMAC(StoredKey, AuthMessage); the proof holds when H(ClientKey) is the StoredKey. */
function proofMatches(mechanism: ScramMechanism, credential: ScramCredential, authMessage: string, proof: Buffer): boolean {
  const clientSignature = scramHmac(mechanism, credential.storedKey, authMessage);
  if (proof.length !== clientSignature.length) return false;
  const clientKey = Buffer.alloc(proof.length);
  for (let i = 0; i < proof.length; i += 1) clientKey[i] = proof[i]! ^ clientSignature[i]!;
  const storedKey = scramHash(mechanism, clientKey);
  return storedKey.length === credential.storedKey.length && timingSafeEqual(storedKey, credential.storedKey);
}

/**
 * Stand-in credentials for users without one: the salt is an HMAC of the user under a per-process
 * secret (stable, looks random), the keys random, so no proof ever matches.
 */
export function unknownUserCredentials(secret: Buffer = randomBytes(SCRAM_SALT_BYTES)): (user: string, mechanism: ScramMechanism) => ScramCredential {
  return (user, mechanism) => {
    const salt = createHmac('sha256', secret).update(`${mechanism}\0${user}`).digest().subarray(0, SCRAM_SALT_BYTES);
    const keyLength = scramHash(mechanism, Buffer.alloc(0)).length;
    return { salt, storedKey: randomBytes(keyLength), serverKey: randomBytes(keyLength), iterations: DEFAULT_SCRAM_ITERATIONS };
  };
}
