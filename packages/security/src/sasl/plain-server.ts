import { timingSafeEqual } from 'node:crypto';
import { SCRAM_MECHANISMS, scramClientKey, scramHash, scramSaltedPassword, type ScramCredential, type ScramMechanism } from '../scram.js';
import { invalidCredentialsMessage, type SaslServer, type SaslStep, type ScramCredentialLookup } from './sasl-server.js';

export interface PlainServerOptions {
  credentialOf: ScramCredentialLookup;
  /** Checked against for a user without credentials, so the answer takes as long as for a wrong password. */
  unknownUserCredential(user: string, mechanism: ScramMechanism): ScramCredential;
}

/** The SCRAM credential PLAIN checks first: the stronger hash when a user has both. */
export const PLAIN_CHECK_ORDER: readonly ScramMechanism[] = [...SCRAM_MECHANISMS].sort().reverse();

/**
 * SASL/PLAIN (RFC 4616) over the SCRAM credentials: "authzid NUL user NUL password"; the password
 * holds when Hi(password, salt, iterations) of the user's credential gives its StoredKey. Quill
 * keeps no password, so PLAIN has no store of its own.
 */
export function createPlainServer(options: PlainServerOptions): SaslServer {
  let done = false;
  const fail = (reason: string, clientMessage: string, user?: string): SaslStep => ({ kind: 'failed', clientMessage, reason, ...(user === undefined ? {} : { user }) });
  return {
    mechanism: 'PLAIN',
    step(token) {
      if (done) return fail('a token after the exchange ended', 'The PLAIN exchange is already complete');
      done = true;
      const parts = token.toString('utf8').split('\0');
      if (parts.length !== 3) return fail('not three NUL-separated fields', 'Invalid SASL/PLAIN response: expected 3 tokens');
      const [authzid, user, password] = parts as [string, string, string];
      if (user === '') return fail('empty user name', 'Authentication failed: username not specified');
      if (password === '') return fail('empty password', 'Authentication failed: password not specified', user);
      if (authzid !== '' && authzid !== user) return fail(`authorization id ${authzid} differs from the user`, 'Authentication failed: Client requested an authorization id that is different from username', user);
      const mechanism = PLAIN_CHECK_ORDER.find((m) => options.credentialOf(user, m) !== undefined);
      const credential = mechanism === undefined ? undefined : options.credentialOf(user, mechanism);
      const checkedMechanism = mechanism ?? PLAIN_CHECK_ORDER[0]!;
      const matches = passwordMatches(checkedMechanism, credential ?? options.unknownUserCredential(user, checkedMechanism), password);
      if (credential === undefined) return fail('unknown user', invalidCredentialsMessage('PLAIN'), user);
      if (!matches) return fail('wrong password', invalidCredentialsMessage('PLAIN'), user);
      return { kind: 'authenticated', token: Buffer.alloc(0), user };
    },
  };
}

function passwordMatches(mechanism: ScramMechanism, credential: ScramCredential, password: string): boolean {
  const storedKey = scramHash(mechanism, scramClientKey(mechanism, scramSaltedPassword(mechanism, password, credential.salt, credential.iterations)));
  return storedKey.length === credential.storedKey.length && timingSafeEqual(storedKey, credential.storedKey);
}
