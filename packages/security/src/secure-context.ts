import type { SecureContextOptions, TLSSocket, TlsOptions } from 'node:tls';
import type { LoadedTls } from './load-tls.js';

/** What `tls.Server#setSecureContext` takes: the files only, so a reload swaps them and nothing else. */
export function secureContextOptions(loaded: LoadedTls): SecureContextOptions {
  return { cert: loaded.certificatePem, key: loaded.keyPem, ...(loaded.caPem === undefined ? {} : { ca: loaded.caPem }) };
}

/** Options for `tls.createServer`: the files and ssl.client.auth. */
export function tlsServerOptions(loaded: LoadedTls): TlsOptions {
  const clientAuth = loaded.config.clientAuth;
  return { ...secureContextOptions(loaded), requestCert: clientAuth !== 'none', rejectUnauthorized: clientAuth === 'required' };
}

/**
 * Whether a connection that finished its handshake may go on. Node refuses an unverified client
 * itself under `required`; under `requested` it admits any certificate, so a presented one that
 * did not verify is refused here, as Kafka does.
 */
export function admitsPeer(socket: Pick<TLSSocket, 'authorized' | 'getPeerCertificate'>, loaded: Pick<LoadedTls, 'config'>): boolean {
  if (loaded.config.clientAuth !== 'requested' || socket.authorized) return true;
  return Object.keys(socket.getPeerCertificate()).length === 0;
}
