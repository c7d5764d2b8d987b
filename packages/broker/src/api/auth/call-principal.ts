import type { PeerCertificate } from 'node:tls';
import type { Metadata } from '@grpc/grpc-js';
import { SESSION_TOKEN_METADATA_KEY } from '@quill/proto';
import { principalFromCertificate } from '@quill/security';
import { ANONYMOUS_PRINCIPAL } from '../../kafka-listener/authorization/authorizing-handler.js';

/** What grpc-js tells of a call's transport (its AuthContext, which it does not export). */
interface CallTransport {
  getAuthContext(): { sslPeerCertificate?: PeerCertificate };
}

/** Who made a gRPC call, and how it was established. */
export interface CallIdentity {
  principal: string;
  /** 'sasl' for a valid session token, 'certificate' for a verified client certificate. */
  authenticatedBy: 'sasl' | 'certificate' | undefined;
}

/** A session token's SASL user, if the token is valid. */
export type UserOfToken = (token: string) => string | undefined;

/**
 * The principal of a gRPC call, as Kafka's of a connection: a valid session token's
 * `User:<sasl user>`, else the verified client certificate's `User:<CN>`, else User:ANONYMOUS.
 * Works on a handler's call and an interceptor's alike (both expose the auth context).
 */
export function callIdentity(call: CallTransport, metadata: Metadata, userOfToken: UserOfToken | undefined): CallIdentity {
  const token = metadata.get(SESSION_TOKEN_METADATA_KEY)[0];
  const user = typeof token === 'string' && userOfToken !== undefined ? userOfToken(token) : undefined;
  if (user !== undefined) return { principal: `User:${user}`, authenticatedBy: 'sasl' };
  const certificatePrincipal = principalFromCertificate(call.getAuthContext().sslPeerCertificate);
  if (certificatePrincipal !== undefined) return { principal: certificatePrincipal, authenticatedBy: 'certificate' };
  return { principal: ANONYMOUS_PRINCIPAL, authenticatedBy: undefined };
}
