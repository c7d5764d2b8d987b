import type { ServerInterceptor } from '@grpc/grpc-js';
import { CLUSTER_RESOURCE_NAME, type MetadataState } from '@quill/metadata';
import { certificateCallPrincipal, clusterActionInterceptor, type GrpcCallPrincipal } from '@quill/security';
import type { BrokerConfig } from '../config.js';
import { metadataScopes } from '../kafka-listener/authorization/metadata-access-scope.js';

/**
 * The interceptors guarding the broker's node-only RPCs (the Replica service): with the authorizer
 * on and a TLS port, a caller needs CLUSTER_ACTION on the cluster under the broker's ACLs, as a
 * Kafka follower's Fetch does. Without TLS a node has no principal to check, so none is guarded.
 */
export function nodeAccessInterceptors(
  config: Pick<BrokerConfig, 'authorizerEnabled' | 'superUsers' | 'allowEveryoneIfNoAclFound'>,
  secure: boolean,
  currentState: () => MetadataState | undefined,
  principalOf: GrpcCallPrincipal = certificateCallPrincipal,
): ServerInterceptor[] {
  if (!config.authorizerEnabled || !secure) return [];
  const scopeOf = metadataScopes(currentState, { superUsers: new Set(config.superUsers), allowEveryoneIfNoAclFound: config.allowEveryoneIfNoAclFound });
  return [clusterActionInterceptor({ allows: (principal, host) => scopeOf(principal, host).can('CLUSTER_ACTION', 'CLUSTER', CLUSTER_RESOURCE_NAME), principalOf })];
}
