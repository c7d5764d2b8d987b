import type { PeerCertificate, TLSSocket } from 'node:tls';

/**
 * The principal of a client certificate: `User:<subject CN>` (as Kafka's ssl.principal.mapping.rules
 * `RULE:^CN=([^,]+).*$/$1/` makes of its DN), or undefined without a verified certificate or a CN.
 */
export function principalOfCertificate(certificate: Pick<PeerCertificate, 'subject'> | undefined): string | undefined {
  const cn = certificate?.subject?.CN;
  const name = Array.isArray(cn) ? cn[0] : cn;
  return name === undefined || name === '' ? undefined : `User:${name}`;
}

/** The principal of the certificate a TLS socket verified, if any. */
export function tlsPrincipal(socket: TLSSocket): string | undefined {
  if (!socket.authorized) return undefined;
  const certificate = socket.getPeerCertificate();
  return Object.keys(certificate).length === 0 ? undefined : principalOfCertificate(certificate);
}
