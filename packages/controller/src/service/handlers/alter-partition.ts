import type { ControllerHandlers } from '@quill/proto';
import { alterPartition } from '../../decisions/alter-partition.js';
import type { ControllerServiceContext } from '../context.js';
import { eachItem } from '../each-item.js';
import { unary } from '../unary.js';

/** AlterPartition: a partition leader's ISR changes, each decided on its own against its partition epoch. */
export function alterPartitionHandler(ctx: ControllerServiceContext): ControllerHandlers['AlterPartition'] {
  return unary(ctx, async (call) => {
    const request = call.request;
    const topics = [];
    for (const topic of request.topics) {
      const partitions = await eachItem(
        topic.partitions,
        (item) => ({ partition: item.partition }),
        async (item) => {
          const result = await ctx.active.decide((state) =>
            alterPartition(state, {
              brokerId: request.brokerId,
              brokerEpoch: request.brokerEpoch,
              topicId: topic.topicId,
              partition: item.partition,
              leaderEpoch: item.leaderEpoch,
              partitionEpoch: item.partitionEpoch,
              newIsr: item.newIsr,
            }),
          );
          return { leaderId: result.leader, leaderEpoch: result.leaderEpoch, isr: [...result.isr], partitionEpoch: result.partitionEpoch, replicas: [...result.replicas] };
        },
      );
      topics.push({ topicId: topic.topicId, partitions });
    }
    return { topics };
  });
}
