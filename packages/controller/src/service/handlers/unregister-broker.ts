import type { ControllerHandlers } from '@quill/proto';
import { unregisterBroker } from '../../decisions/broker-registration.js';
import type { ControllerServiceContext } from '../context.js';
import { unary } from '../unary.js';

/** UnregisterBroker: removes a (shut down) broker's registration. */
export function unregisterBrokerHandler(ctx: ControllerServiceContext): ControllerHandlers['UnregisterBroker'] {
  return unary(ctx, async (call) => {
    await ctx.active.decide((state) => unregisterBroker(state, call.request.brokerId));
    return {};
  });
}
