import type { ControllerHandlers } from '@quill/proto';
import { createPartitions } from '../../decisions/create-partitions.js';
import { accept } from '../../decisions/decision.js';
import type { ControllerServiceContext } from '../context.js';
import { eachItem } from '../each-item.js';
import { unary } from '../unary.js';

/** CreatePartitions: grows each topic to its new partition count (or only validates). */
export function createPartitionsHandler(ctx: ControllerServiceContext): ControllerHandlers['CreatePartitions'] {
  return unary(ctx, async (call) => {
    const topics = await eachItem(
      call.request.topics,
      (topic) => ({ name: topic.name }),
      async (topic) => {
        await ctx.active.decide((state) => {
          const request = { name: topic.name, count: topic.count, assignments: topic.assignments.map((a) => ({ partition: a.partition, brokerIds: a.brokerIds })) };
          const decision = createPartitions(state, request, ctx.topicPolicy);
          return decision.ok && call.request.validateOnly ? accept([], decision.result) : decision;
        });
        return {};
      },
    );
    return { topics };
  });
}
