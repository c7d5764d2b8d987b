import { randomBytes, timingSafeEqual } from 'node:crypto';
import { QuillError } from '@quill/proto';
import { SCRAM_MAX_ITERATIONS, SCRAM_MIN_ITERATIONS, scramClientKey, scramHash, scramHmac, scramSaltedPassword, type ScramMechanism } from '../scram.js';

/** Random bytes of a client nonce (base64-encoded into the client-first message). */
export const SCRAM_CLIENT_NONCE_BYTES = 24;

export interface ScramClientOptions {
  mechanism: ScramMechanism;
  user: string;
  password: string;
  /** For tests: the client nonce (default random). */
  clientNonce?: string;
}

/** The client side of one SCRAM exchange (RFC 5802): three messages, the server's proof checked. */
export interface ScramClient {
  /** client-first-message. */
  first(): Buffer;
  /** client-final-message for the server-first message; throws SASL_AUTHENTICATION_FAILED on a malformed one. */
  final(serverFirst: Buffer): Buffer;
  /** Throws unless the server-final message proves the server knows the credential. */
  verify(serverFinal: Buffer): void;
}

// saslname: "," and "=" escaped (RFC 5802 section 5.1).
const saslName = (name: string): string => name.replace(/=/g, '=3D').replace(/,/g, '=2C');

function fields(message: string): Map<string, string> {
  return new Map(message.split(',').map((part) => [part.slice(0, 1), part.slice(2)] as const));
}

export function createScramClient(options: ScramClientOptions): ScramClient {
  const { mechanism } = options;
  const clientNonce = options.clientNonce ?? randomBytes(SCRAM_CLIENT_NONCE_BYTES).toString('base64');
  const gs2Header = 'n,,';
  const firstBare = `n=${saslName(options.user)},r=${clientNonce}`;
  let serverSignature: Buffer | undefined;
  return {
    first: () => Buffer.from(gs2Header + firstBare, 'utf8'),
    final(serverFirstBytes) {
      const serverFirst = serverFirstBytes.toString('utf8');
      const f = fields(serverFirst);
      const nonce = f.get('r') ?? '';
      const salt = Buffer.from(f.get('s') ?? '', 'base64');
      const iterations = Number(f.get('i'));
      if (!nonce.startsWith(clientNonce) || nonce === clientNonce) throw new QuillError('SASL_AUTHENTICATION_FAILED', 'SCRAM server-first message: the nonce does not extend ours');
      if (salt.length === 0 || !Number.isInteger(iterations) || iterations < SCRAM_MIN_ITERATIONS || iterations > SCRAM_MAX_ITERATIONS) {
        throw new QuillError('SASL_AUTHENTICATION_FAILED', `SCRAM server-first message: bad salt or iteration count (${f.get('i') ?? 'none'})`);
      }
      const salted = scramSaltedPassword(mechanism, options.password, salt, iterations);
      const withoutProof = `c=${Buffer.from(gs2Header).toString('base64')},r=${nonce}`;
      const authMessage = `${firstBare},${serverFirst},${withoutProof}`;
      const clientKey = scramClientKey(mechanism, salted);
      const signature = scramHmac(mechanism, scramHash(mechanism, clientKey), authMessage);
      const proof = Buffer.from(clientKey.map((byte, i) => byte ^ signature[i]!));
      serverSignature = scramHmac(mechanism, scramHmac(mechanism, salted, 'Server Key'), authMessage);
      return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'utf8');
    },
    verify(serverFinalBytes) {
      const f = fields(serverFinalBytes.toString('utf8'));
      if (f.has('e')) throw new QuillError('SASL_AUTHENTICATION_FAILED', `SCRAM server-final message: ${f.get('e')}`);
      const given = Buffer.from(f.get('v') ?? '', 'base64');
      if (serverSignature === undefined || given.length !== serverSignature.length || !timingSafeEqual(given, serverSignature)) {
        throw new QuillError('SASL_AUTHENTICATION_FAILED', 'SCRAM server-final message: the server signature does not match (not the server holding this credential)');
      }
    },
  };
}

/** SASL/PLAIN's one message (RFC 4616): "authzid NUL user NUL password", without an authzid. */
export function plainMessage(user: string, password: string): Buffer {
  return Buffer.from(`\0${user}\0${password}`, 'utf8');
}
