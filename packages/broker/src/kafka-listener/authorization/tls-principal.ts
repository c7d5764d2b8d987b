import type { TLSSocket } from 'node:tls';
import { principalFromCertificate } from '@quill/security';

/** The principal of the certificate a TLS socket verified, if any. */
export function tlsPrincipal(socket: TLSSocket): string | undefined {
  if (!socket.authorized) return undefined;
  const certificate = socket.getPeerCertificate();
  return Object.keys(certificate).length === 0 ? undefined : principalFromCertificate(certificate);
}
