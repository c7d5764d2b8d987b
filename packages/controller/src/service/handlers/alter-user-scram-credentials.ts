import type { ControllerHandlers } from '@quill/proto';
import { alterUserScramCredentials } from '../../decisions/user-scram-credentials.js';
import type { ControllerServiceContext } from '../context.js';
import { unary } from '../unary.js';

/** AlterUserScramCredentials: sets or removes SCRAM credentials, answered per user. */
export function alterUserScramCredentialsHandler(ctx: ControllerServiceContext): ControllerHandlers['AlterUserScramCredentials'] {
  return unary(ctx, async (call) => {
    const { deletions, upsertions } = call.request;
    const results = await ctx.active.decide((state) => alterUserScramCredentials(state, { deletions, upsertions }));
    return { results: results.map((r) => ({ user: r.user, errorCode: r.errorCode, errorMessage: r.errorMessage })) };
  });
}
