import type { ControllerHandlers, ErrorCode } from '@quill/proto';
import { alterPartitionReassignments } from '../../decisions/reassignment.js';
import type { ControllerServiceContext } from '../context.js';
import { unary } from '../unary.js';

/** AlterPartitionReassignments: starts or cancels moves, answered per partition and grouped by topic. */
export function alterPartitionReassignmentsHandler(ctx: ControllerServiceContext): ControllerHandlers['AlterPartitionReassignments'] {
  return unary(ctx, async (call) => {
    const requests = call.request.topics.flatMap((topic) =>
      topic.partitions.map((p) => ({ topic: topic.name, partition: p.partition, replicas: p.replicas === null ? undefined : p.replicas.brokerIds })),
    );
    const results = await ctx.active.decide((state) => alterPartitionReassignments(state, requests));
    const byTopic = new Map<string, Array<{ partition: number; errorCode: ErrorCode; errorMessage: string }>>();
    for (const r of results) {
      const partitions = byTopic.get(r.topic) ?? [];
      partitions.push({ partition: r.partition, errorCode: r.errorCode, errorMessage: r.errorMessage ?? '' });
      byTopic.set(r.topic, partitions);
    }
    return { topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) };
  });
}
