// Kafka's StandardAuthorizer rules as a pure function over the metadata's ACLs: super users may
// do everything; otherwise a matching DENY refuses, else a matching ALLOW permits, else (no ACL
// at all on the resource) allowEveryoneIfNoAclFound decides.
import type { MetadataState } from '../state/state.js';
import { ACL_WILDCARD, WILDCARD_PRINCIPAL, type AclBinding, type AclOperation, type AclResourceType } from './acl-binding.js';

export interface AuthorizationRequest {
  readonly principal: string;
  readonly host: string;
  readonly operation: AclOperation;
  readonly resourceType: AclResourceType;
  readonly resourceName: string;
}

export interface AuthorizerSettings {
  readonly superUsers: ReadonlySet<string>;
  readonly allowEveryoneIfNoAclFound: boolean;
}

/** Operations an ALLOW of the key implies besides itself (Kafka: each implies DESCRIBE, ...). */
const IMPLIED_BY_ALLOW: ReadonlyMap<AclOperation, readonly AclOperation[]> = new Map([
  ['DESCRIBE', ['READ', 'WRITE', 'DELETE', 'ALTER']],
  ['DESCRIBE_CONFIGS', ['ALTER_CONFIGS']],
]);

export function authorize(state: MetadataState, request: AuthorizationRequest, settings: AuthorizerSettings): boolean {
  if (settings.superUsers.has(request.principal)) return true;
  const onResource = [...state.acls.values()].filter((binding) => matchesResource(binding, request));
  if (onResource.length === 0) return settings.allowEveryoneIfNoAclFound;
  const applying = onResource.filter((binding) => matchesPrincipal(binding, request) && matchesHost(binding, request));
  // A DENY of an operation does not deny the operations it would imply if allowed (Kafka's).
  if (applying.some((binding) => binding.permission === 'DENY' && (binding.operation === 'ALL' || binding.operation === request.operation))) {
    return false;
  }
  const allowedBy = new Set<AclOperation>(['ALL', request.operation, ...(IMPLIED_BY_ALLOW.get(request.operation) ?? [])]);
  return applying.some((binding) => binding.permission === 'ALLOW' && allowedBy.has(binding.operation));
}

/** Whether the binding's resource pattern covers the requested resource. */
export function matchesResource(binding: AclBinding, request: Pick<AuthorizationRequest, 'resourceType' | 'resourceName'>): boolean {
  if (binding.resourceType !== request.resourceType) return false;
  if (binding.patternType === 'PREFIXED') return request.resourceName.startsWith(binding.resourceName);
  return binding.resourceName === ACL_WILDCARD || binding.resourceName === request.resourceName;
}

function matchesPrincipal(binding: AclBinding, request: AuthorizationRequest): boolean {
  return binding.principal === request.principal || binding.principal === WILDCARD_PRINCIPAL;
}

function matchesHost(binding: AclBinding, request: AuthorizationRequest): boolean {
  return binding.host === ACL_WILDCARD || binding.host === request.host;
}
