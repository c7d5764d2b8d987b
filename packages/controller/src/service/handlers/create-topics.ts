import { randomUUID } from 'node:crypto';
import type { ControllerHandlers } from '@quill/proto';
import { createTopics } from '../../decisions/create-topics.js';
import { accept } from '../../decisions/decision.js';
import type { ControllerServiceContext } from '../context.js';
import { unary } from '../unary.js';

/** CreateTopics: every topic of the request decided in one step, each answered with its own outcome. */
export function createTopicsHandler(ctx: ControllerServiceContext): ControllerHandlers['CreateTopics'] {
  return unary(ctx, async (call) => {
    const request = call.request;
    const outcomes = await ctx.active.decide((state) => {
      const result = createTopics(
        state,
        request.topics.map((t) => ({
          name: t.name,
          numPartitions: t.numPartitions === 0 ? -1 : t.numPartitions,
          replicationFactor: t.replicationFactor === 0 ? -1 : t.replicationFactor,
          assignments: t.assignments.map((a) => ({ partition: a.partition, brokerIds: a.brokerIds })),
          configs: t.configs,
        })),
        { policy: ctx.topicPolicy, newTopicId: randomUUID },
      );
      return accept(request.validateOnly ? [] : result.records, result.outcomes);
    });
    return {
      topics: outcomes.map((o) =>
        o.decision.ok
          ? { name: o.name, topicId: o.decision.result.topicId, errorCode: 'NONE' as const, numPartitions: o.decision.result.numPartitions, replicationFactor: o.decision.result.replicationFactor }
          : { name: o.name, errorCode: o.decision.error.code, errorMessage: o.decision.error.message },
      ),
    };
  });
}
