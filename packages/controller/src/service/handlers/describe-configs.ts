import { configResourceKind, topicByName } from '@quill/metadata';
import type { ControllerHandlers } from '@quill/proto';
import type { ControllerServiceContext } from '../context.js';
import { describedConfigs } from '../described-configs.js';
import { unary } from '../unary.js';

/** DescribeConfigs: the configs of each resource as this node's metadata has them (see describedConfigs). */
export function describeConfigsHandler(ctx: ControllerServiceContext): ControllerHandlers['DescribeConfigs'] {
  return unary(ctx, async (call) => {
    const state = ctx.metadata.current;
    const results = call.request.resources.map((resource) => {
      const kind = configResourceKind(resource.resourceType);
      if (kind === undefined) {
        return { resourceType: resource.resourceType, resourceName: resource.resourceName, errorCode: 'INVALID_REQUEST' as const, errorMessage: `Unsupported resource type ${resource.resourceType}.` };
      }
      if (kind === 'topic' && topicByName(state, resource.resourceName) === undefined) {
        return { resourceType: resource.resourceType, resourceName: resource.resourceName, errorCode: 'UNKNOWN_TOPIC_OR_PARTITION' as const, errorMessage: `Topic '${resource.resourceName}' does not exist.` };
      }
      const wanted = resource.configNames.length === 0 ? undefined : new Set(resource.configNames);
      return {
        resourceType: resource.resourceType,
        resourceName: resource.resourceName,
        errorCode: 'NONE' as const,
        configs: describedConfigs(state, kind, resource.resourceName).filter((c) => wanted === undefined || wanted.has(c.name)),
      };
    });
    return { results };
  });
}
