import { ACL_OPERATIONS } from '@quill/metadata';
// Kafka's numbers for the ACL enums (org.apache.kafka.common.resource.ResourceType,
// PatternType, acl.AclOperation, acl.AclPermissionType), against the names Quill's gRPC API and
// metadata use. ANY (1 in each) stands for "any value" in filters; an unknown number becomes a
// name the controller or the filter parser refuses with INVALID_REQUEST.
const RESOURCE_TYPES = ['UNKNOWN', 'ANY', 'TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID', 'DELEGATION_TOKEN', 'USER'];
const PATTERN_TYPES = ['UNKNOWN', 'ANY', 'MATCH', 'LITERAL', 'PREFIXED'];
const OPERATIONS = ['UNKNOWN', 'ANY', ...ACL_OPERATIONS];
const PERMISSIONS = ['UNKNOWN', 'ANY', 'DENY', 'ALLOW'];

export type AclEnum = 'resourceType' | 'patternType' | 'operation' | 'permission';

const TABLES: Readonly<Record<AclEnum, readonly string[]>> = {
  resourceType: RESOURCE_TYPES,
  patternType: PATTERN_TYPES,
  operation: OPERATIONS,
  permission: PERMISSIONS,
};

/** The name of a Kafka enum number (`UNKNOWN` for one out of range). */
export function aclEnumName(kind: AclEnum, value: number): string {
  return TABLES[kind][value] ?? 'UNKNOWN';
}

/** The Kafka number of a name (0, UNKNOWN, for a name Kafka lacks). */
export function aclEnumValue(kind: AclEnum, name: string): number {
  const index = TABLES[kind].indexOf(name);
  return index < 0 ? 0 : index;
}

/** A Kafka ACL binding filter (DescribeAcls request, DeleteAcls filter) as gRPC filter fields. */
export function aclFilterFields(filter: {
  resourceTypeFilter: number;
  resourceNameFilter: string | null;
  patternTypeFilter?: number | undefined;
  principalFilter: string | null;
  hostFilter: string | null;
  operation: number;
  permissionType: number;
}): Record<string, string | null> {
  return {
    resourceType: aclEnumName('resourceType', filter.resourceTypeFilter),
    resourceName: filter.resourceNameFilter,
    patternType: aclEnumName('patternType', filter.patternTypeFilter ?? aclEnumValue('patternType', 'LITERAL')),
    principal: filter.principalFilter,
    host: filter.hostFilter,
    operation: aclEnumName('operation', filter.operation),
    permission: aclEnumName('permission', filter.permissionType),
  };
}
