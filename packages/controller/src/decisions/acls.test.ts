import { EMPTY_METADATA_STATE, applyRecords, type AclBinding, type MetadataState } from '@quill/metadata';
import { ErrorCode } from '@quill/proto';
import { describe, expect, it } from 'vitest';
import { createAcls, deleteAcls, describeAcls } from './acls.js';

const readOrders: AclBinding = { resourceType: 'TOPIC', resourceName: 'orders', patternType: 'LITERAL', principal: 'User:alice', host: '*', operation: 'READ', permission: 'ALLOW' };
const writePrefix: AclBinding = { ...readOrders, resourceName: 'ord', patternType: 'PREFIXED', operation: 'WRITE' };
const readGroup: AclBinding = { ...readOrders, resourceType: 'GROUP', resourceName: 'g' };

function ids(): () => string {
  let next = 0;
  return () => `acl-${next++}`;
}

function created(state: MetadataState, bindings: AclBinding[], newId = ids()): MetadataState {
  const decision = createAcls(state, bindings, newId);
  return applyRecords(state, decision.records, state.offset + 1);
}

describe('ACL decisions', () => {
  it('create valid bindings once each and refuse invalid ones with INVALID_REQUEST', () => {
    const decision = createAcls(EMPTY_METADATA_STATE, [readOrders, { ...readOrders, operation: 'FLY' as never }, readOrders, writePrefix], ids());
    expect(decision.result.map((r) => r.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.INVALID_REQUEST, ErrorCode.NONE, ErrorCode.NONE]);
    expect(decision.records).toHaveLength(2);
    const state = applyRecords(EMPTY_METADATA_STATE, decision.records, 1);
    expect(createAcls(state, [readOrders], ids()).records).toHaveLength(0);
    expect(describeAcls(state, {})).toEqual([readOrders, writePrefix]);
  });

  it('describe by filter, MATCH included', () => {
    const state = created(EMPTY_METADATA_STATE, [readOrders, writePrefix, readGroup]);
    expect(describeAcls(state, { resourceType: 'TOPIC', resourceName: 'orders-eu', patternType: 'MATCH' })).toEqual([writePrefix]);
    expect(describeAcls(state, { resourceType: 'GROUP' })).toEqual([readGroup]);
  });

  it('delete what each filter matches, a binding matched twice removed once', () => {
    const state = created(EMPTY_METADATA_STATE, [readOrders, writePrefix, readGroup]);
    const decision = deleteAcls(state, [{ resourceType: 'TOPIC' }, { operation: 'READ' }, { principal: 'User:bob' }]);
    expect(decision.result.map((r) => r.deleted)).toEqual([[readOrders, writePrefix], [readOrders, readGroup], []]);
    expect(decision.records).toHaveLength(3);
    expect(applyRecords(state, decision.records, 2).acls.size).toBe(0);
  });

  it('refuse a filter with an unknown value alone, the other filters still deleting', () => {
    const state = created(EMPTY_METADATA_STATE, [readOrders, readGroup]);
    const decision = deleteAcls(state, [{ operation: 'FLY' }, { resourceType: 'GROUP', patternType: 'ANY' }]);
    expect(decision.result).toEqual([
      { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'unknown operation FLY', deleted: [] },
      { errorCode: ErrorCode.NONE, errorMessage: '', deleted: [readGroup] },
    ]);
    expect(decision.records).toHaveLength(1);
  });
});
