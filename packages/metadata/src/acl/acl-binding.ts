// Access control entries as Kafka defines them: which principal, from which host, may (or may
// not) perform which operation on which resource (by exact name, `*`, or name prefix).

export const ACL_RESOURCE_TYPES = ['TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID'] as const;
export type AclResourceType = (typeof ACL_RESOURCE_TYPES)[number];

export const ACL_PATTERN_TYPES = ['LITERAL', 'PREFIXED'] as const;
export type AclPatternType = (typeof ACL_PATTERN_TYPES)[number];

export const ACL_OPERATIONS = [
  'ALL',
  'READ',
  'WRITE',
  'CREATE',
  'DELETE',
  'ALTER',
  'DESCRIBE',
  'CLUSTER_ACTION',
  'DESCRIBE_CONFIGS',
  'ALTER_CONFIGS',
  'IDEMPOTENT_WRITE',
] as const;
export type AclOperation = (typeof ACL_OPERATIONS)[number];

export const ACL_PERMISSIONS = ['ALLOW', 'DENY'] as const;
export type AclPermission = (typeof ACL_PERMISSIONS)[number];

/** The name of the one CLUSTER resource, as Kafka spells it. */
export const CLUSTER_RESOURCE_NAME = 'kafka-cluster';
/** A LITERAL resource name or principal or host matching every one. */
export const ACL_WILDCARD = '*';
/** The principal matching every user. */
export const WILDCARD_PRINCIPAL = 'User:*';

export interface AclBinding {
  readonly resourceType: AclResourceType;
  readonly resourceName: string;
  readonly patternType: AclPatternType;
  readonly principal: string;
  readonly host: string;
  readonly operation: AclOperation;
  readonly permission: AclPermission;
}

export function isAclResourceType(value: string): value is AclResourceType {
  return (ACL_RESOURCE_TYPES as readonly string[]).includes(value);
}

export function isAclPatternType(value: string): value is AclPatternType {
  return (ACL_PATTERN_TYPES as readonly string[]).includes(value);
}

export function isAclOperation(value: string): value is AclOperation {
  return (ACL_OPERATIONS as readonly string[]).includes(value);
}

export function isAclPermission(value: string): value is AclPermission {
  return (ACL_PERMISSIONS as readonly string[]).includes(value);
}

/** Why a binding cannot be stored, or undefined when it can (Kafka refuses the same ones). */
export function invalidAclBinding(binding: AclBinding): string | undefined {
  if (!isAclResourceType(binding.resourceType)) return `unknown resource type ${binding.resourceType}`;
  if (!isAclPatternType(binding.patternType)) return `unknown pattern type ${binding.patternType}`;
  if (!isAclOperation(binding.operation)) return `unknown operation ${binding.operation}`;
  if (!isAclPermission(binding.permission)) return `unknown permission ${binding.permission}`;
  if (binding.resourceName === '') return 'empty resource name';
  if (binding.host === '') return 'empty host';
  if (!/^[^:]+:.+$/.test(binding.principal)) return `principal ${binding.principal} is not of the form Type:name`;
  if (binding.resourceType === 'CLUSTER' && binding.resourceName !== CLUSTER_RESOURCE_NAME) {
    return `the cluster resource is named ${CLUSTER_RESOURCE_NAME}`;
  }
  return undefined;
}
