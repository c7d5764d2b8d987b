import { describe, expect, it } from 'vitest';
import { aclsJson, entriesToAdd, filterOf, filterToRemove, formatEntries, resourceOf } from './acls.js';

describe('quill acls', () => {
  it('names the resource from the flags, the cluster by its Kafka name', () => {
    expect(resourceOf({ topic: 't' })).toEqual({ resourceType: 'TOPIC', resourceName: 't' });
    expect(resourceOf({ group: 'g' })).toEqual({ resourceType: 'GROUP', resourceName: 'g' });
    expect(resourceOf({ transactionalId: 'tx' })).toEqual({ resourceType: 'TRANSACTIONAL_ID', resourceName: 'tx' });
    expect(resourceOf({ cluster: true })).toEqual({ resourceType: 'CLUSTER', resourceName: 'kafka-cluster' });
    expect(resourceOf({})).toBeUndefined();
  });

  it('adds one entry per distinct operation, and refuses one without a resource', () => {
    const entries = entriesToAdd({ topic: 'orders-', principal: 'User:alice', host: '*', prefixed: true, deny: true }, ['READ', 'WRITE', 'READ']);
    expect(entries).toEqual([
      { resourceType: 'TOPIC', resourceName: 'orders-', resourcePatternType: 'PREFIXED', principal: 'User:alice', host: '*', operation: 'READ', permissionType: 'DENY' },
      { resourceType: 'TOPIC', resourceName: 'orders-', resourcePatternType: 'PREFIXED', principal: 'User:alice', host: '*', operation: 'WRITE', permissionType: 'DENY' },
    ]);
    expect(() => entriesToAdd({ principal: 'User:alice', host: '*', prefixed: false, deny: false }, ['READ'])).toThrow('Name the resource');
    expect(formatEntries(entries.slice(0, 1), 'Added')).toBe('Added: DENY User:alice from * READ on TOPIC orders- (PREFIXED)');
  });

  it('filters only by the flags given, and flattens described resources', () => {
    expect(filterOf({})).toEqual({});
    expect(() => filterToRemove({})).toThrow('Name at least one filter');
    expect(filterToRemove({ principal: 'User:bob' })).toEqual({ principal: 'User:bob' });
    expect(filterOf({ group: 'g', pattern: 'MATCH', principal: 'User:bob', permission: 'DENY' })).toEqual({
      resourceType: 'GROUP',
      resourceName: 'g',
      resourcePatternType: 'MATCH',
      principal: 'User:bob',
      permissionType: 'DENY',
    });
    const acl = { principal: 'User:a', host: '*', operation: 'READ' as const, permissionType: 'ALLOW' as const };
    expect(aclsJson({ resources: [{ resourceType: 'TOPIC', resourceName: 't', resourcePatternType: 'LITERAL', acls: [acl] }] })).toEqual({
      acls: [{ resourceType: 'TOPIC', resourceName: 't', resourcePatternType: 'LITERAL', ...acl }],
    });
  });
});
