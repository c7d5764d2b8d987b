import { describe, expect, it } from 'vitest';
import { EMPTY_METADATA_STATE, type MetadataState } from '../state/state.js';
import { ACL_OPERATIONS, type AclBinding, type AclOperation } from './acl-binding.js';
import { authorize, type AuthorizationRequest, type AuthorizerSettings } from './authorize.js';

const STRICT: AuthorizerSettings = { superUsers: new Set(['User:admin']), allowEveryoneIfNoAclFound: false };
const OPEN: AuthorizerSettings = { ...STRICT, allowEveryoneIfNoAclFound: true };

function stateWith(...bindings: AclBinding[]): MetadataState {
  return { ...EMPTY_METADATA_STATE, acls: new Map(bindings.map((b, i) => [`id-${i}`, b])) };
}

function allow(overrides: Partial<AclBinding>): AclBinding {
  return { resourceType: 'TOPIC', resourceName: 'orders', patternType: 'LITERAL', principal: 'User:alice', host: '*', operation: 'READ', permission: 'ALLOW', ...overrides };
}

function deny(overrides: Partial<AclBinding>): AclBinding {
  return allow({ ...overrides, permission: 'DENY' });
}

function request(overrides: Partial<AuthorizationRequest> = {}): AuthorizationRequest {
  return { principal: 'User:alice', host: '10.0.0.1', operation: 'READ', resourceType: 'TOPIC', resourceName: 'orders', ...overrides };
}

describe('authorize', () => {
  it('lets super users do everything, with or without ACLs, even against a DENY', () => {
    expect(authorize(EMPTY_METADATA_STATE, request({ principal: 'User:admin' }), STRICT)).toBe(true);
    expect(authorize(stateWith(deny({ principal: 'User:admin', operation: 'ALL' })), request({ principal: 'User:admin' }), STRICT)).toBe(true);
  });

  it('decides by allowEveryoneIfNoAclFound only when the resource has no ACL at all', () => {
    expect(authorize(EMPTY_METADATA_STATE, request(), STRICT)).toBe(false);
    expect(authorize(EMPTY_METADATA_STATE, request(), OPEN)).toBe(true);
    // An ACL for someone else on the resource: no longer "no ACL found".
    expect(authorize(stateWith(allow({ principal: 'User:bob' })), request(), OPEN)).toBe(false);
    // An ACL on another resource leaves this one without ACLs.
    expect(authorize(stateWith(allow({ principal: 'User:bob', resourceName: 'other' })), request(), OPEN)).toBe(true);
  });

  it('allows by a matching ALLOW and lets a matching DENY win over it', () => {
    expect(authorize(stateWith(allow({})), request(), STRICT)).toBe(true);
    expect(authorize(stateWith(allow({}), deny({})), request(), STRICT)).toBe(false);
    expect(authorize(stateWith(allow({}), deny({ principal: 'User:*', operation: 'ALL' })), request(), STRICT)).toBe(false);
    // A DENY for another principal, host or operation does not apply.
    expect(authorize(stateWith(allow({}), deny({ principal: 'User:bob' })), request(), STRICT)).toBe(true);
    expect(authorize(stateWith(allow({}), deny({ host: '10.0.0.2' })), request(), STRICT)).toBe(true);
    expect(authorize(stateWith(allow({}), deny({ operation: 'WRITE' })), request(), STRICT)).toBe(true);
  });

  it('matches principals exactly or by User:*, and hosts exactly or by *', () => {
    expect(authorize(stateWith(allow({ principal: 'User:*' })), request(), STRICT)).toBe(true);
    expect(authorize(stateWith(allow({ principal: 'User:alicia' })), request(), STRICT)).toBe(false);
    expect(authorize(stateWith(allow({ host: '10.0.0.1' })), request(), STRICT)).toBe(true);
    expect(authorize(stateWith(allow({ host: '10.0.0.2' })), request(), STRICT)).toBe(false);
  });

  it('matches resources literally, by the * name, or by prefix, and never across types', () => {
    expect(authorize(stateWith(allow({ resourceName: '*' })), request(), STRICT)).toBe(true);
    expect(authorize(stateWith(allow({ resourceName: 'ord' })), request(), STRICT)).toBe(false);
    expect(authorize(stateWith(allow({ resourceName: 'ord', patternType: 'PREFIXED' })), request(), STRICT)).toBe(true);
    expect(authorize(stateWith(allow({ resourceName: 'orders-', patternType: 'PREFIXED' })), request(), STRICT)).toBe(false);
    // "*" is only a wildcard for LITERAL patterns.
    expect(authorize(stateWith(allow({ resourceName: '*', patternType: 'PREFIXED' })), request(), STRICT)).toBe(false);
    expect(authorize(stateWith(allow({ resourceType: 'GROUP' })), request(), STRICT)).toBe(false);
    expect(authorize(stateWith(deny({ resourceName: 'or', patternType: 'PREFIXED' }), allow({})), request(), STRICT)).toBe(false);
  });

  it("applies ALL and Kafka's implied operations to ALLOW, and only the named operation (or ALL) to DENY", () => {
    const implies: Record<AclOperation, readonly AclOperation[]> = {
      ALL: ACL_OPERATIONS,
      READ: ['READ', 'DESCRIBE'],
      WRITE: ['WRITE', 'DESCRIBE'],
      DELETE: ['DELETE', 'DESCRIBE'],
      ALTER: ['ALTER', 'DESCRIBE'],
      ALTER_CONFIGS: ['ALTER_CONFIGS', 'DESCRIBE_CONFIGS'],
      CREATE: ['CREATE'],
      DESCRIBE: ['DESCRIBE'],
      CLUSTER_ACTION: ['CLUSTER_ACTION'],
      DESCRIBE_CONFIGS: ['DESCRIBE_CONFIGS'],
      IDEMPOTENT_WRITE: ['IDEMPOTENT_WRITE'],
    };
    for (const granted of ACL_OPERATIONS) {
      for (const wanted of ACL_OPERATIONS) {
        if (wanted === 'ALL') continue;
        const allowed = authorize(stateWith(allow({ operation: granted })), request({ operation: wanted }), STRICT);
        expect(allowed, `${granted} grants ${wanted}`).toBe(implies[granted].includes(wanted));
        const denied = !authorize(stateWith(allow({ operation: 'ALL' }), deny({ operation: granted })), request({ operation: wanted }), STRICT);
        expect(denied, `DENY ${granted} refuses ${wanted}`).toBe(granted === 'ALL' || granted === wanted);
      }
    }
  });
});
