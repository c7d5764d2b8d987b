import { configEntries, configResourceKind } from '@quill/metadata';
import type { ControllerHandlers } from '@quill/proto';
import type { ControllerServiceContext } from '../context.js';
import { unary } from '../unary.js';

/** Every described entry is a dynamic config of its resource's own kind. */
const SOURCE_BY_KIND = { topic: 'CONFIG_SOURCE_TOPIC', broker: 'CONFIG_SOURCE_DYNAMIC_BROKER', cluster: 'CONFIG_SOURCE_DYNAMIC_CLUSTER' } as const;

/** DescribeConfigs: the dynamic configs of each resource as this node's metadata has them. */
export function describeConfigsHandler(ctx: ControllerServiceContext): ControllerHandlers['DescribeConfigs'] {
  return unary(ctx, async (call) => {
    const state = ctx.metadata.current;
    const results = call.request.resources.map((resource) => {
      const kind = configResourceKind(resource.resourceType);
      if (kind === undefined) {
        return { resourceType: resource.resourceType, resourceName: resource.resourceName, errorCode: 'INVALID_REQUEST' as const, errorMessage: `Unsupported resource type ${resource.resourceType}.` };
      }
      const entries = configEntries(state, { kind, name: resource.resourceName });
      const wanted = resource.configNames.length === 0 ? undefined : new Set(resource.configNames);
      return {
        resourceType: resource.resourceType,
        resourceName: resource.resourceName,
        errorCode: 'NONE' as const,
        configs: [...entries].filter(([name]) => wanted === undefined || wanted.has(name)).map(([name, value]) => ({ name, value, source: SOURCE_BY_KIND[kind] })),
      };
    });
    return { results };
  });
}
