import type { ControllerHandlers } from '@quill/proto';
import { listPartitionReassignments } from '../../decisions/reassignment.js';
import type { ControllerServiceContext } from '../context.js';
import { unary } from '../unary.js';

/** ListPartitionReassignments: the moves in progress, from the active controller's state. */
export function listPartitionReassignmentsHandler(ctx: ControllerServiceContext): ControllerHandlers['ListPartitionReassignments'] {
  return unary(ctx, async (call) => {
    const targets = call.request.topics.length === 0 ? undefined : call.request.topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
    const ongoing = listPartitionReassignments(ctx.metadata.current, targets);
    const byTopic = new Map<string, Array<{ partition: number; replicas: number[]; addingReplicas: number[]; removingReplicas: number[] }>>();
    for (const o of ongoing) {
      const partitions = byTopic.get(o.topic) ?? [];
      partitions.push({ partition: o.partition, replicas: [...o.replicas], addingReplicas: [...o.adding], removingReplicas: [...o.removing] });
      byTopic.set(o.topic, partitions);
    }
    return { topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) };
  });
}
