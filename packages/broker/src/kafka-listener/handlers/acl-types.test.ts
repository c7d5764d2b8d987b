import { parseAclBindingFilter } from '@quill/metadata';
import { describe, expect, it } from 'vitest';
import { aclEnumName, aclEnumValue, aclFilterFields } from './acl-types.js';

describe("Kafka's ACL enum numbers", () => {
  it('map both ways, with UNKNOWN for numbers and names Kafka lacks', () => {
    expect([2, 3, 4, 5].map((n) => aclEnumName('resourceType', n))).toEqual(['TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID']);
    expect([1, 2, 3, 4].map((n) => aclEnumName('patternType', n))).toEqual(['ANY', 'MATCH', 'LITERAL', 'PREFIXED']);
    expect([2, 3, 8, 12].map((n) => aclEnumName('operation', n))).toEqual(['ALL', 'READ', 'DESCRIBE', 'IDEMPOTENT_WRITE']);
    expect([2, 3].map((n) => aclEnumName('permission', n))).toEqual(['DENY', 'ALLOW']);
    expect(aclEnumName('operation', 99)).toBe('UNKNOWN');
    expect(aclEnumValue('operation', 'ALTER_CONFIGS')).toBe(11);
    expect(aclEnumValue('resourceType', 'NOPE')).toBe(0);
  });

  it('turn a Kafka filter into one the metadata filter parser reads, ANY and null as any value', () => {
    const fields = aclFilterFields({ resourceTypeFilter: 1, resourceNameFilter: null, patternTypeFilter: 2, principalFilter: 'User:a', hostFilter: null, operation: 1, permissionType: 3 });
    expect(parseAclBindingFilter(fields)).toEqual({
      resourceType: undefined,
      resourceName: undefined,
      patternType: 'MATCH',
      principal: 'User:a',
      host: undefined,
      operation: undefined,
      permission: 'ALLOW',
    });
    expect(parseAclBindingFilter(aclFilterFields({ resourceTypeFilter: 0, resourceNameFilter: null, principalFilter: null, hostFilter: null, operation: 1, permissionType: 1 }))).toBe('unknown resource type UNKNOWN');
  });
});
