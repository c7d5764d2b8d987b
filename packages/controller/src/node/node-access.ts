import type { ServerInterceptor } from '@grpc/grpc-js';
import { CLUSTER_RESOURCE_NAME, authorize, type MetadataState } from '@quill/metadata';
import { clusterActionInterceptor } from '@quill/security';
import type { ControllerConfig } from '../config.js';

/**
 * The interceptors guarding a controller's node-only RPCs (Raft, and the Controller service's
 * broker registration, heartbeats, AlterPartition, producer ids and metadata stream): with the
 * authorizer on and an SSL port, a caller needs CLUSTER_ACTION on the cluster under the ACLs the
 * controller has applied. Without TLS a node has no principal to check, so none is guarded.
 */
export function nodeAccessInterceptors(
  config: Pick<ControllerConfig, 'authorizerEnabled' | 'superUsers' | 'allowEveryoneIfNoAclFound'>,
  secure: boolean,
  currentState: () => MetadataState,
): ServerInterceptor[] {
  if (!config.authorizerEnabled || !secure) return [];
  const settings = { superUsers: new Set(config.superUsers), allowEveryoneIfNoAclFound: config.allowEveryoneIfNoAclFound };
  return [
    clusterActionInterceptor({
      allows: (principal, host) => authorize(currentState(), { principal, host, operation: 'CLUSTER_ACTION', resourceType: 'CLUSTER', resourceName: CLUSTER_RESOURCE_NAME }, settings),
    }),
  ];
}
