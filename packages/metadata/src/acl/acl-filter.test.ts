import { describe, expect, it } from 'vitest';
import { EMPTY_METADATA_STATE } from '../state/state.js';
import type { AclBinding } from './acl-binding.js';
import { aclsMatching, matchesAclFilter, parseAclBindingFilter, sameAclBinding } from './acl-filter.js';

const literal: AclBinding = { resourceType: 'TOPIC', resourceName: 'orders', patternType: 'LITERAL', principal: 'User:alice', host: '*', operation: 'READ', permission: 'ALLOW' };
const wildcard: AclBinding = { ...literal, resourceName: '*' };
const prefixed: AclBinding = { ...literal, resourceName: 'ord', patternType: 'PREFIXED' };
const otherPrefix: AclBinding = { ...literal, resourceName: 'pay', patternType: 'PREFIXED' };
const group: AclBinding = { ...literal, resourceType: 'GROUP', resourceName: 'orders', principal: 'User:bob', operation: 'DESCRIBE', permission: 'DENY', host: '10.0.0.1' };
const all = [literal, wildcard, prefixed, otherPrefix, group];

function selected(filter: Parameters<typeof matchesAclFilter>[1]): AclBinding[] {
  return all.filter((binding) => matchesAclFilter(binding, filter));
}

describe('ACL binding filters', () => {
  it('match everything when empty, and by each given field exactly', () => {
    expect(selected({})).toEqual(all);
    expect(selected({ resourceType: 'GROUP' })).toEqual([group]);
    expect(selected({ principal: 'User:bob' })).toEqual([group]);
    expect(selected({ host: '10.0.0.1' })).toEqual([group]);
    expect(selected({ operation: 'DESCRIBE' })).toEqual([group]);
    expect(selected({ permission: 'DENY' })).toEqual([group]);
    expect(selected({ resourceName: 'orders' })).toEqual([literal, group]);
    expect(selected({ resourceName: 'orders', patternType: 'LITERAL' })).toEqual([literal, group]);
    expect(selected({ patternType: 'PREFIXED' })).toEqual([prefixed, otherPrefix]);
  });

  it('select with MATCH every binding that applies to the named resource', () => {
    expect(selected({ resourceType: 'TOPIC', resourceName: 'orders', patternType: 'MATCH' })).toEqual([literal, wildcard, prefixed]);
    expect(selected({ resourceType: 'TOPIC', patternType: 'MATCH' })).toEqual([literal, wildcard, prefixed, otherPrefix]);
  });

  it('list matches in id order and compare bindings field by field', () => {
    const state = { ...EMPTY_METADATA_STATE, acls: new Map([['b', group], ['a', literal]]) };
    expect(aclsMatching(state, {}).map((m) => m.id)).toEqual(['a', 'b']);
    expect(sameAclBinding(literal, { ...literal })).toBe(true);
    expect(sameAclBinding(literal, { ...literal, host: '10.0.0.1' })).toBe(false);
  });
});

describe('parseAclBindingFilter', () => {
  it('reads absent fields and ANY as any value, and refuses unknown enumerated values', () => {
    expect(parseAclBindingFilter({ resourceType: 'ANY', resourceName: null, patternType: 'MATCH', operation: 'READ' })).toEqual({
      resourceType: undefined,
      resourceName: undefined,
      patternType: 'MATCH',
      principal: undefined,
      host: undefined,
      operation: 'READ',
      permission: undefined,
    });
    expect(parseAclBindingFilter({ operation: 'FLY' })).toBe('unknown operation FLY');
    expect(parseAclBindingFilter({ resourceType: 'USER' })).toBe('unknown resource type USER');
  });
});
