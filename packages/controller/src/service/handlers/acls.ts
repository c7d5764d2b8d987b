import { randomUUID } from 'node:crypto';
import { parseAclBindingFilter, type AclBinding } from '@quill/metadata';
import { ErrorCode, QuillError, type AclBinding__Output, type ControllerHandlers } from '@quill/proto';
import { createAcls, deleteAcls, describeAcls } from '../../decisions/acls.js';
import type { ControllerServiceContext } from '../context.js';
import { unary } from '../unary.js';

/** CreateAcls: stores the valid bindings under uuids, answered per creation. */
export function createAclsHandler(ctx: ControllerServiceContext): ControllerHandlers['CreateAcls'] {
  return unary(ctx, async (call) => {
    // The strings are checked by the decision (invalidAclBinding); this only gives them the type.
    const creations = call.request.creations.map((c: AclBinding__Output) => c as AclBinding);
    const results = await ctx.active.decide((state) => createAcls(state, creations, randomUUID));
    return { results: results.map((r) => ({ errorCode: r.errorCode, errorMessage: r.errorMessage })) };
  });
}

/** DescribeAcls: the bindings the filter matches, from the active controller's state. */
export function describeAclsHandler(ctx: ControllerServiceContext): ControllerHandlers['DescribeAcls'] {
  return unary(ctx, async (call) => {
    const filter = parseAclBindingFilter(call.request.filter ?? {});
    if (typeof filter === 'string') throw new QuillError(ErrorCode.INVALID_REQUEST, filter);
    return { acls: describeAcls(ctx.metadata.current, filter) };
  });
}

/** DeleteAcls: removes what each filter matches, answered per filter. */
export function deleteAclsHandler(ctx: ControllerServiceContext): ControllerHandlers['DeleteAcls'] {
  return unary(ctx, async (call) => {
    const outcomes = await ctx.active.decide((state) => deleteAcls(state, call.request.filters));
    return { results: outcomes.map((o) => ({ errorCode: o.errorCode, errorMessage: o.errorMessage, deleted: [...o.deleted] })) };
  });
}
