import type { ControllerHandlers } from '@quill/proto';
import { deleteTopic } from '../../decisions/delete-topics.js';
import type { ControllerServiceContext } from '../context.js';
import { eachItem } from '../each-item.js';
import { unary } from '../unary.js';

/** DeleteTopics: topics named or given by id, each deleted on its own. */
export function deleteTopicsHandler(ctx: ControllerServiceContext): ControllerHandlers['DeleteTopics'] {
  return unary(ctx, async (call) => {
    const targets = [...call.request.names.map((name) => ({ name })), ...call.request.topicIds.map((topicId) => ({ topicId }))];
    const topics = await eachItem(
      targets,
      (target) => target,
      async (target) => ctx.active.decide((state) => deleteTopic(state, target)),
    );
    return { topics };
  });
}
