import { ApiKeys, type InitProducerIdRequest, type InitProducerIdResponse } from '@quill/kafka-protocol';
import type { BrokerServiceContext } from '../../api/broker/context.js';
import { initProducerId } from '../../api/broker/init-producer-id.js';
import type { KafkaHandler } from '../handler-registry.js';
import { kafkaErrorCode, kafkaErrorCodeOf } from '../kafka-error-codes.js';

/** InitProducerId over the broker's operation: a fresh producer id (epoch 0) for an idempotent producer. */
export function initProducerIdKafkaHandler(ctx: BrokerServiceContext): KafkaHandler<InitProducerIdRequest> {
  return {
    apiKey: ApiKeys.InitProducerId,
    handle: async (request): Promise<InitProducerIdResponse> => {
      const answer = await initProducerId(ctx, request.transactionalId);
      return {
        throttleTimeMs: 0,
        errorCode: kafkaErrorCode(answer.error?.code),
        producerId: BigInt(String(answer.producerId ?? -1)),
        producerEpoch: answer.producerEpoch ?? -1,
      };
    },
    errorResponse: (error): InitProducerIdResponse => ({ throttleTimeMs: 0, errorCode: kafkaErrorCodeOf(error), producerId: -1n, producerEpoch: -1 }),
  };
}
