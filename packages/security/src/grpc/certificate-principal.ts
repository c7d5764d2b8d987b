import type { PeerCertificate } from 'node:tls';

/**
 * The principal of a verified peer certificate: `User:<subject CN>` (what Kafka's
 * ssl.principal.mapping.rules `RULE:^CN=([^,]+).*$/$1/` makes of its DN), or undefined without a
 * certificate or without a CN. The one mapping for every listener, gRPC and Kafka alike.
 */
export function principalFromCertificate(certificate: Pick<PeerCertificate, 'subject'> | undefined): string | undefined {
  const cn = certificate?.subject?.CN as string | string[] | undefined;
  const name = Array.isArray(cn) ? cn[0] : cn;
  return name === undefined || name === '' ? undefined : `User:${name}`;
}
