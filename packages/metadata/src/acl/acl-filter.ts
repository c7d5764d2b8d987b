// Kafka's AclBindingFilter: the selection that DescribeAcls answers and DeleteAcls removes.
// An absent field (Kafka's null, or its ANY) matches everything; the MATCH pattern type selects
// every binding that would apply to the named resource (the literal name, the `*` name, and
// prefixes of it), as Kafka's does.
import type { MetadataState } from '../state/state.js';
import {
  ACL_WILDCARD,
  isAclOperation,
  isAclPatternType,
  isAclPermission,
  isAclResourceType,
  type AclBinding, type AclOperation, type AclPatternType, type AclPermission, type AclResourceType } from './acl-binding.js';

export type AclPatternTypeFilter = AclPatternType | 'MATCH';

export interface AclBindingFilter {
  readonly resourceType?: AclResourceType | undefined;
  readonly resourceName?: string | undefined;
  readonly patternType?: AclPatternTypeFilter | undefined;
  readonly principal?: string | undefined;
  readonly host?: string | undefined;
  readonly operation?: AclOperation | undefined;
  readonly permission?: AclPermission | undefined;
}

export function matchesAclFilter(binding: AclBinding, filter: AclBindingFilter): boolean {
  if (filter.resourceType !== undefined && filter.resourceType !== binding.resourceType) return false;
  if (!matchesPattern(binding, filter)) return false;
  if (filter.principal !== undefined && filter.principal !== binding.principal) return false;
  if (filter.host !== undefined && filter.host !== binding.host) return false;
  if (filter.operation !== undefined && filter.operation !== binding.operation) return false;
  return filter.permission === undefined || filter.permission === binding.permission;
}

function matchesPattern(binding: AclBinding, filter: AclBindingFilter): boolean {
  if (filter.patternType === 'MATCH') {
    if (filter.resourceName === undefined) return true;
    if (binding.patternType === 'PREFIXED') return filter.resourceName.startsWith(binding.resourceName);
    return binding.resourceName === filter.resourceName || binding.resourceName === ACL_WILDCARD;
  }
  if (filter.patternType !== undefined && filter.patternType !== binding.patternType) return false;
  return filter.resourceName === undefined || filter.resourceName === binding.resourceName;
}

/** The ACLs (id and binding) the filter selects, in id order so every node answers alike. */
export function aclsMatching(state: MetadataState, filter: AclBindingFilter): Array<{ id: string; binding: AclBinding }> {
  return [...state.acls.keys()]
    .sort()
    .map((id) => ({ id, binding: state.acls.get(id)! }))
    .filter(({ binding }) => matchesAclFilter(binding, filter));
}

/** Whether two bindings are the same entry (Kafka stores a binding once however often created). */
export function sameAclBinding(a: AclBinding, b: AclBinding): boolean {
  return (
    a.resourceType === b.resourceType &&
    a.resourceName === b.resourceName &&
    a.patternType === b.patternType &&
    a.principal === b.principal &&
    a.host === b.host &&
    a.operation === b.operation &&
    a.permission === b.permission
  );
}

/** A filter's fields as strings, absent or "ANY" for any value (the gRPC and CLI form). */
export interface AclBindingFilterFields {
  readonly resourceType?: string | null | undefined;
  readonly resourceName?: string | null | undefined;
  readonly patternType?: string | null | undefined;
  readonly principal?: string | null | undefined;
  readonly host?: string | null | undefined;
  readonly operation?: string | null | undefined;
  readonly permission?: string | null | undefined;
}

const ANY = 'ANY';

/** The typed filter, or why the fields name no valid one (an unknown enumerated value). */
export function parseAclBindingFilter(fields: AclBindingFilterFields): AclBindingFilter | string {
  const enumerated = (value: string | null | undefined, valid: (v: string) => boolean, what: string): string | undefined | Error => {
    if (value === null || value === undefined || value === ANY) return undefined;
    return valid(value) ? value : new Error(`unknown ${what} ${value}`);
  };
  const resourceType = enumerated(fields.resourceType, isAclResourceType, 'resource type');
  const patternType = enumerated(fields.patternType, (v) => v === 'MATCH' || isAclPatternType(v), 'pattern type');
  const operation = enumerated(fields.operation, isAclOperation, 'operation');
  const permission = enumerated(fields.permission, isAclPermission, 'permission');
  for (const value of [resourceType, patternType, operation, permission]) if (value instanceof Error) return value.message;
  const text = (value: string | null | undefined): string | undefined => (value === null ? undefined : value);
  return {
    resourceType: resourceType as AclResourceType | undefined,
    resourceName: text(fields.resourceName),
    patternType: patternType as AclPatternTypeFilter | undefined,
    principal: text(fields.principal),
    host: text(fields.host),
    operation: operation as AclOperation | undefined,
    permission: permission as AclPermission | undefined,
  };
}
