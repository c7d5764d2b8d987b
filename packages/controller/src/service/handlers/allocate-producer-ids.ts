import type { ControllerHandlers } from '@quill/proto';
import { allocateProducerIds } from '../../decisions/producer-ids.js';
import type { ControllerServiceContext } from '../context.js';
import { unary } from '../unary.js';

/** AllocateProducerIds: the next block of producer ids for a broker to hand out. */
export function allocateProducerIdsHandler(ctx: ControllerServiceContext): ControllerHandlers['AllocateProducerIds'] {
  return unary(ctx, async (call) => {
    const block = await ctx.active.decide((state) => allocateProducerIds(state, call.request.brokerId, call.request.brokerEpoch));
    return { producerIdStart: block.start, producerIdLen: block.length };
  });
}
