import { describe, expect, it } from 'vitest';
import { brokerContext } from './broker-context.test-data.js';
import { initProducerIdKafkaHandler } from './init-producer-id.js';

const context = { header: { apiKey: 22, apiVersion: 1, correlationId: 1, clientId: 'c', bodyOffset: 0 }, clientAddress: 'x:1', logger: undefined as never };

describe('Kafka InitProducerId', () => {
  it('gives an idempotent producer a fresh id at epoch 0', async () => {
    const { ctx, nextId } = brokerContext();
    expect(await initProducerIdKafkaHandler(ctx).handle({ transactionalId: null, transactionTimeoutMs: 60000 }, context)).toEqual({ throttleTimeMs: 0, errorCode: 0, producerId: 1000n, producerEpoch: 0 });
    expect(nextId).toHaveBeenCalledTimes(1);
  });

  it('refuses a transactional id with INVALID_REQUEST, and answers a failure with its Kafka code', async () => {
    const { ctx } = brokerContext();
    const handler = initProducerIdKafkaHandler(ctx);
    expect(await handler.handle({ transactionalId: 'tx', transactionTimeoutMs: 60000 }, context)).toMatchObject({ errorCode: 42, producerId: -1n });
    expect(handler.errorResponse!(new Error('boom'), { transactionalId: null, transactionTimeoutMs: 1 }, context)).toEqual({ throttleTimeMs: 0, errorCode: -1, producerId: -1n, producerEpoch: -1 });
  });
});
