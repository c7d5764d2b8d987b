import { EMPTY_METADATA_STATE, type AclBinding, type MetadataState } from '@quill/metadata';
import { describe, expect, it } from 'vitest';
import { metadataScopes } from './metadata-access-scope.js';

const SETTINGS = { superUsers: new Set(['User:admin']), allowEveryoneIfNoAclFound: false };
const READ_ORDERS: AclBinding = { resourceType: 'TOPIC', resourceName: 'orders', patternType: 'LITERAL', principal: 'User:alice', host: '10.0.0.1', operation: 'READ', permission: 'ALLOW' };

describe('metadataScopes', () => {
  it('checks the principal and host against the ACLs of the metadata current at each request', () => {
    let state: MetadataState | undefined;
    const scopeOf = metadataScopes(() => state, SETTINGS);
    expect(scopeOf('User:admin', '10.0.0.1').can('READ', 'TOPIC', 'orders')).toBe(true);
    expect(scopeOf('User:alice', '10.0.0.1').can('READ', 'TOPIC', 'orders')).toBe(false);
    state = { ...EMPTY_METADATA_STATE, acls: new Map([['a', READ_ORDERS]]) };
    expect(scopeOf('User:alice', '10.0.0.1').can('READ', 'TOPIC', 'orders')).toBe(true);
    expect(scopeOf('User:alice', '10.0.0.2').can('READ', 'TOPIC', 'orders')).toBe(false);
    expect(scopeOf('User:bob', '10.0.0.1').can('READ', 'TOPIC', 'orders')).toBe(false);
  });

  it("names topics by id and lists them from the broker's metadata", () => {
    const state: MetadataState = { ...EMPTY_METADATA_STATE, topicIdsByName: new Map([['orders', 'id-1']]), topicsById: new Map([['id-1', { name: 'orders' } as never]]) };
    const scope = metadataScopes(() => state, SETTINGS)('User:alice', '10.0.0.1');
    expect(scope.topicNameOf('id-1')).toBe('orders');
    expect(scope.topicNameOf('id-2')).toBeUndefined();
    expect([...scope.topicNames()]).toEqual(['orders']);
    expect([...metadataScopes(() => undefined, SETTINGS)('User:alice', '10.0.0.1').topicNames()]).toEqual([]);
  });
});
