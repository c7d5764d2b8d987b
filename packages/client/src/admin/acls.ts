// The SDK side of Kafka's CreateAcls, DescribeAcls and DeleteAcls, shaped as KafkaJS's admin
// (createAcls({ acl }), describeAcls(filter) -> { resources }, deleteAcls({ filters }) ->
// { filterResponses }), with Kafka's enum names as strings instead of KafkaJS's numbers.
import { ErrorCode, QuillError, errorInfo, type AclBinding__Output, type CreateAclsResponse__Output, type DeleteAclsResponse__Output } from '@quill/proto';

export type AclResourceType = 'TOPIC' | 'GROUP' | 'CLUSTER' | 'TRANSACTIONAL_ID';
export type AclResourcePatternType = 'LITERAL' | 'PREFIXED';
export type AclOperationType =
  | 'ALL'
  | 'READ'
  | 'WRITE'
  | 'CREATE'
  | 'DELETE'
  | 'ALTER'
  | 'DESCRIBE'
  | 'CLUSTER_ACTION'
  | 'DESCRIBE_CONFIGS'
  | 'ALTER_CONFIGS'
  | 'IDEMPOTENT_WRITE';
export type AclPermissionType = 'ALLOW' | 'DENY';

/** One access control entry (KafkaJS's AclEntry). */
export interface AclEntry {
  resourceType: AclResourceType;
  resourceName: string;
  resourcePatternType: AclResourcePatternType;
  principal: string;
  host: string;
  operation: AclOperationType;
  permissionType: AclPermissionType;
}

/** Which entries to describe or delete: an absent field, or ANY, matches every value; MATCH selects what applies to resourceName. */
export interface AclFilter {
  resourceType?: AclResourceType | 'ANY';
  resourceName?: string;
  resourcePatternType?: AclResourcePatternType | 'ANY' | 'MATCH';
  principal?: string;
  host?: string;
  operation?: AclOperationType | 'ANY';
  permissionType?: AclPermissionType | 'ANY';
}

export interface DescribeAclsResult {
  resources: Array<{
    resourceType: AclResourceType;
    resourceName: string;
    resourcePatternType: AclResourcePatternType;
    acls: Array<Pick<AclEntry, 'principal' | 'host' | 'operation' | 'permissionType'>>;
  }>;
}

export interface DeleteAclsResult {
  filterResponses: Array<{ errorCode: ErrorCode; errorMessage?: string; matchingAcls: AclEntry[] }>;
}

export function aclBindingOf(entry: AclEntry): {
  resourceType: string;
  resourceName: string;
  patternType: string;
  principal: string;
  host: string;
  operation: string;
  permission: string;
} {
  return {
    resourceType: entry.resourceType,
    resourceName: entry.resourceName,
    patternType: entry.resourcePatternType,
    principal: entry.principal,
    host: entry.host,
    operation: entry.operation,
    permission: entry.permissionType,
  };
}

/** The wire filter: absent fields stay absent (any value). */
export function aclBindingFilterOf(filter: AclFilter): Record<string, string> {
  const fields: Record<string, string | undefined> = {
    resourceType: filter.resourceType,
    resourceName: filter.resourceName,
    patternType: filter.resourcePatternType,
    principal: filter.principal,
    host: filter.host,
    operation: filter.operation,
    permission: filter.permissionType,
  };
  return Object.fromEntries(Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

export function aclEntryOf(binding: AclBinding__Output): AclEntry {
  return {
    resourceType: binding.resourceType as AclResourceType,
    resourceName: binding.resourceName,
    resourcePatternType: binding.patternType as AclResourcePatternType,
    principal: binding.principal,
    host: binding.host,
    operation: binding.operation as AclOperationType,
    permissionType: binding.permission as AclPermissionType,
  };
}

/** Throws the first refused creation, as KafkaJS does; the others were applied. */
export function throwCreateAclsRefusal(response: CreateAclsResponse__Output): void {
  const refused = response.results.find((r) => r.errorCode !== ErrorCode.NONE);
  if (refused !== undefined) throw new QuillError(errorInfo(refused.errorCode).name, refused.errorMessage);
}

/** Entries grouped by resource pattern, in the order they came. */
export function describeAclsResult(bindings: readonly AclBinding__Output[]): DescribeAclsResult {
  const resources = new Map<string, DescribeAclsResult['resources'][number]>();
  for (const entry of bindings.map(aclEntryOf)) {
    const key = `${entry.resourceType}\u0000${entry.resourcePatternType}\u0000${entry.resourceName}`;
    let resource = resources.get(key);
    if (resource === undefined) {
      resource = { resourceType: entry.resourceType, resourceName: entry.resourceName, resourcePatternType: entry.resourcePatternType, acls: [] };
      resources.set(key, resource);
    }
    resource.acls.push({ principal: entry.principal, host: entry.host, operation: entry.operation, permissionType: entry.permissionType });
  }
  return { resources: [...resources.values()] };
}

export function deleteAclsResult(response: DeleteAclsResponse__Output): DeleteAclsResult {
  return {
    filterResponses: response.results.map((r) => ({
      errorCode: errorInfo(r.errorCode).name,
      ...(r.errorMessage === '' ? {} : { errorMessage: r.errorMessage }),
      matchingAcls: r.deleted.map(aclEntryOf),
    })),
  };
}
