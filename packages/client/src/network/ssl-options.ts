import { checkServerIdentity } from 'node:tls';
import { credentials, type ChannelCredentials, type VerifyOptions } from '@grpc/grpc-js';
import { ErrorCode, QuillError } from '@quill/proto';

/** A PEM text or its bytes. */
export type Pem = string | Buffer;

/** The `ssl` option's object form, as KafkaJS's (the `tls.connect` options it uses). */
export interface SslOptions {
  /** CA certificates the brokers' certificates must chain to (default: Node's public roots). */
  ca?: Pem | Pem[];
  /** The client certificate, for brokers with ssl.client.auth (needs `key`). */
  cert?: Pem;
  key?: Pem;
  /** false accepts any broker certificate (tests only: it gives up TLS's protection against impersonation). */
  rejectUnauthorized?: boolean;
  /** The name the brokers' certificates are checked against, in place of the address dialed. */
  servername?: string;
}

/**
 * The channel credentials of the `ssl` option: undefined (plaintext) for undefined or false, TLS
 * with Node's public roots for true, else TLS as the object says. Throws a TypeError for an
 * object that cannot work (a certificate without its key).
 */
export function channelCredentialsOf(ssl: boolean | SslOptions | undefined): ChannelCredentials | undefined {
  if (ssl === undefined || ssl === false) return undefined;
  if (ssl === true) return credentials.createSsl();
  if ((ssl.cert === undefined) !== (ssl.key === undefined)) throw new QuillError(ErrorCode.INVALID_CONFIG, 'ssl.cert and ssl.key go together: give both for a client certificate, or neither');
  const verify: VerifyOptions = {
    ...(ssl.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
    ...(ssl.servername === undefined ? {} : { checkServerIdentity: (_host: string, certificate) => checkServerIdentity(ssl.servername!, certificate) }),
  };
  return credentials.createSsl(
    ssl.ca === undefined ? null : Buffer.concat((Array.isArray(ssl.ca) ? ssl.ca : [ssl.ca]).flatMap((pem) => [Buffer.from(pem), Buffer.from('\n')])),
    ssl.key === undefined ? null : Buffer.from(ssl.key),
    ssl.cert === undefined ? null : Buffer.from(ssl.cert),
    verify,
  );
}
