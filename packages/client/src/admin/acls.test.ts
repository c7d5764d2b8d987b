import { ErrorCode } from '@quill/proto';
import { describe, expect, it } from 'vitest';
import { aclBindingFilterOf, aclBindingOf, deleteAclsResult, describeAclsResult, throwCreateAclsRefusal, type AclEntry } from './acls.js';

const entry: AclEntry = { resourceType: 'TOPIC', resourceName: 't', resourcePatternType: 'LITERAL', principal: 'User:alice', host: '*', operation: 'READ', permissionType: 'ALLOW' };
const wire = aclBindingOf(entry);

describe('SDK ACL shapes', () => {
  it('send filters with absent fields left out', () => {
    expect(aclBindingFilterOf({ resourceType: 'TOPIC', resourcePatternType: 'MATCH', resourceName: 't' })).toEqual({ resourceType: 'TOPIC', patternType: 'MATCH', resourceName: 't' });
    expect(aclBindingFilterOf({})).toEqual({});
  });

  it('group described entries by resource pattern, as KafkaJS does', () => {
    const deny = { ...wire, principal: 'User:bob', permission: 'DENY' };
    const prefixed = { ...wire, patternType: 'PREFIXED' };
    expect(describeAclsResult([wire, prefixed, deny])).toEqual({
      resources: [
        { resourceType: 'TOPIC', resourceName: 't', resourcePatternType: 'LITERAL', acls: [{ principal: 'User:alice', host: '*', operation: 'READ', permissionType: 'ALLOW' }, { principal: 'User:bob', host: '*', operation: 'READ', permissionType: 'DENY' }] },
        { resourceType: 'TOPIC', resourceName: 't', resourcePatternType: 'PREFIXED', acls: [{ principal: 'User:alice', host: '*', operation: 'READ', permissionType: 'ALLOW' }] },
      ],
    });
  });

  it('answer deletions per filter and throw the first refused creation', () => {
    expect(deleteAclsResult({ error: null, leaderHint: null, results: [{ errorCode: 'NONE', errorMessage: '', deleted: [wire] }] } as never)).toEqual({
      filterResponses: [{ errorCode: ErrorCode.NONE, matchingAcls: [entry] }],
    });
    expect(() => throwCreateAclsRefusal({ results: [{ errorCode: 'NONE', errorMessage: '' }, { errorCode: 'INVALID_REQUEST', errorMessage: 'unknown operation FLY' }] } as never)).toThrow('unknown operation FLY');
  });
});
