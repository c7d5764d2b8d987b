import { ServerCredentials, credentials, type ChannelCredentials } from '@grpc/grpc-js';
import type { LoadedTls } from '../load-tls.js';
import { secureContextOptions } from '../secure-context.js';

/**
 * Server credentials of a gRPC port whose files can be swapped while it serves: grpc-js hands
 * every update to its TLS server's `setSecureContext`, so new connections get the new files and
 * open ones keep theirs. ssl.client.auth is fixed at start (it shapes the server, not the context).
 */
export class ReloadableServerCredentials extends ServerCredentials {
  constructor(loaded: LoadedTls) {
    const clientAuth = loaded.config.clientAuth;
    // Under `requested` a client without a certificate is admitted, so the handshake cannot refuse
    // unverified ones; grpc-js then reports no peer certificate and the call has no certificate principal.
    super({ requestCert: clientAuth !== 'none', rejectUnauthorized: clientAuth === 'required' }, secureContextOptions(loaded));
  }

  /** Puts newly loaded files in force for the connections that open from now on. */
  apply(loaded: LoadedTls): void {
    this.updateSecureContextOptions(secureContextOptions(loaded));
  }

  _equals(other: ServerCredentials): boolean {
    return other === this;
  }
}

/**
 * Channel credentials of a node calling other nodes: their certificates must chain to the node's
 * ssl.ca.location, and the node shows its own certificate so the callee knows its principal.
 */
export function nodeChannelCredentials(loaded: LoadedTls): ChannelCredentials {
  return credentials.createSsl(
    loaded.caPem === undefined ? null : Buffer.from(loaded.caPem),
    Buffer.from(loaded.keyPem),
    Buffer.from(loaded.certificatePem),
  );
}
