import type { ControllerHandlers } from '@quill/proto';
import { alterConfigs } from '../../decisions/alter-configs.js';
import { accept } from '../../decisions/decision.js';
import type { ControllerServiceContext } from '../context.js';
import { configResourceFields, eachItem } from '../each-item.js';
import { unary } from '../unary.js';

/** AlterConfigs: replaces each resource's whole dynamic config (or only validates). */
export function alterConfigsHandler(ctx: ControllerServiceContext): ControllerHandlers['AlterConfigs'] {
  return unary(ctx, async (call) => {
    const results = await eachItem(call.request.resources, configResourceFields, async (resource) => {
      await ctx.active.decide((state) => {
        const decision = alterConfigs(state, resource, resource.configs);
        return decision.ok && call.request.validateOnly ? accept([], undefined) : decision;
      });
      return {};
    });
    return { results };
  });
}
