import type { ControllerHandlers } from '@quill/proto';
import { describeUserScramCredentials } from '../../decisions/user-scram-credentials.js';
import type { ControllerServiceContext } from '../context.js';
import { unary } from '../unary.js';

/** DescribeUserScramCredentials: mechanisms and iterations from the active controller's state; never salts or keys. */
export function describeUserScramCredentialsHandler(ctx: ControllerServiceContext): ControllerHandlers['DescribeUserScramCredentials'] {
  return unary(ctx, async (call) => {
    const described = describeUserScramCredentials(ctx.metadata.current, call.request.users);
    return {
      results: described.map((d) => ({
        user: d.user,
        errorCode: d.errorCode,
        errorMessage: d.errorMessage,
        credentialInfos: d.credentials.map((c) => ({ mechanism: c.mechanism, iterations: c.iterations })),
      })),
    };
  });
}
