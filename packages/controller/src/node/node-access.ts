import type { ServerInterceptor } from '@grpc/grpc-js';
import { CLUSTER_RESOURCE_NAME, authorize, type MetadataState } from '@quill/metadata';
import { loadQuillPackage } from '@quill/proto';
import { clusterActionInterceptor } from '@quill/security';
import type { ControllerConfig } from '../config.js';

/**
 * Every method a controller's port serves (Raft and the Controller service). Clients reach the
 * admin methods through a broker, which checks the caller's ACLs and forwards as itself; a call
 * straight to the controller would skip those checks, so the whole port is for nodes (and super
 * users), as a KRaft controller listener is.
 */
function controllerPortMethods(): ReadonlySet<string> {
  const { Raft, Controller } = loadQuillPackage().quill.v1;
  return new Set([...Object.values(Raft.service), ...Object.values(Controller.service)].map((definition) => definition.path));
}

/**
 * The interceptors guarding a controller's port: on an SSL port every caller needs a verified
 * client certificate (whatever --authorizer says: the port also changes SCRAM credentials), and,
 * with the authorizer on, CLUSTER_ACTION on the cluster under the ACLs the controller has
 * applied. Without TLS a node has no principal to check, so nothing is guarded.
 */
export function nodeAccessInterceptors(
  config: Pick<ControllerConfig, 'authorizerEnabled' | 'superUsers' | 'allowEveryoneIfNoAclFound'>,
  secure: boolean,
  currentState: () => MetadataState,
): ServerInterceptor[] {
  if (!secure) return [];
  if (!config.authorizerEnabled) return [clusterActionInterceptor({ methods: controllerPortMethods(), allows: () => true })];
  const settings = { superUsers: new Set(config.superUsers), allowEveryoneIfNoAclFound: config.allowEveryoneIfNoAclFound };
  return [
    clusterActionInterceptor({
      methods: controllerPortMethods(),
      allows: (principal, host) => authorize(currentState(), { principal, host, operation: 'CLUSTER_ACTION', resourceType: 'CLUSTER', resourceName: CLUSTER_RESOURCE_NAME }, settings),
    }),
  ];
}
