import type { BrokerHandlers, InitProducerIdResponse } from '@quill/proto';
import { unary } from '../unary.js';
import type { BrokerServiceContext } from './context.js';

/** InitProducerId: a fresh id for an idempotent producer (epoch 0); transactional ids are refused. */
export function initProducerIdHandler(ctx: BrokerServiceContext): BrokerHandlers['InitProducerId'] {
  return unary((call) => initProducerId(ctx, call.request.transactionalId));
}

/** The operation both the gRPC and the Kafka InitProducerId answer with. */
export async function initProducerId(ctx: BrokerServiceContext, transactionalId: string | null | undefined): Promise<InitProducerIdResponse> {
  if (transactionalId !== undefined && transactionalId !== null && transactionalId !== '') {
    return { error: { code: 'INVALID_REQUEST', message: 'Transactions are not supported yet: leave transactionalId unset for an idempotent producer.' } };
  }
  return { producerId: await ctx.producerIds.nextId(), producerEpoch: 0 };
}
