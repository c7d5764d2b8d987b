import type { ControllerHandlers } from '@quill/proto';
import { incrementalAlterConfigs } from '../../decisions/alter-configs.js';
import { accept } from '../../decisions/decision.js';
import type { ControllerServiceContext } from '../context.js';
import { configResourceFields, eachItem } from '../each-item.js';
import { unary } from '../unary.js';

/** IncrementalAlterConfigs: per-key SET / DELETE / APPEND / SUBTRACT on each resource (or only validates). */
export function incrementalAlterConfigsHandler(ctx: ControllerServiceContext): ControllerHandlers['IncrementalAlterConfigs'] {
  return unary(ctx, async (call) => {
    const results = await eachItem(call.request.resources, configResourceFields, async (resource) => {
      await ctx.active.decide((state) => {
        const operations = resource.configs.map((c) => ({ name: c.name, op: c.op, value: c.value }));
        const decision = incrementalAlterConfigs(state, resource, operations);
        return decision.ok && call.request.validateOnly ? accept([], undefined) : decision;
      });
      return {};
    });
    return { results };
  });
}
