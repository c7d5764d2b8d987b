import type { ServerInterceptor } from '@grpc/grpc-js';
import { CLUSTER_RESOURCE_NAME, type MetadataState } from '@quill/metadata';
import { clusterActionInterceptor } from '@quill/security';
import type { BrokerConfig } from '../config.js';
import { metadataScopes } from '../kafka-listener/authorization/metadata-access-scope.js';

/**
 * The interceptors guarding the broker's node-only RPCs (the Replica service). On a TLS port a
 * caller always needs a verified client certificate (a follower's replica id and fetch offset are
 * trusted, so an unverified caller could read every partition or keep a dead follower in the ISR),
 * and, with the authorizer on, CLUSTER_ACTION on the cluster under the broker's ACLs, as a Kafka
 * follower's Fetch does. The principal is the certificate's alone: a SASL session names a client,
 * never a node. Without TLS a node has no principal to check, so none is guarded.
 */
export function nodeAccessInterceptors(
  config: Pick<BrokerConfig, 'authorizerEnabled' | 'superUsers' | 'allowEveryoneIfNoAclFound'>,
  secure: boolean,
  currentState: () => MetadataState | undefined,
): ServerInterceptor[] {
  if (!secure) return [];
  if (!config.authorizerEnabled) return [clusterActionInterceptor({ allows: () => true })];
  const scopeOf = metadataScopes(currentState, { superUsers: new Set(config.superUsers), allowEveryoneIfNoAclFound: config.allowEveryoneIfNoAclFound });
  return [clusterActionInterceptor({ allows: (principal, host) => scopeOf(principal, host).can('CLUSTER_ACTION', 'CLUSTER', CLUSTER_RESOURCE_NAME) })];
}
