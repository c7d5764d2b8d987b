import { QuillError } from '@quill/proto';
import type { ProduceRequest, ProduceResponse } from '@quill/kafka-protocol';
import { describe, expect, it } from 'vitest';
import { CLOSE_CONNECTION, NO_ANSWER } from '../handler-registry.js';
import { brokerContext } from './broker-context.test-data.js';
import { produceKafkaHandler } from './produce.js';

const context = (apiVersion: number) => ({ header: { apiKey: 0, apiVersion, correlationId: 1, clientId: 'c', bodyOffset: 0 }, clientAddress: 'x:1', logger: undefined as never });
const batch = Buffer.from('a record batch v2');
const request = (acks: number): ProduceRequest => ({
  transactionalId: null,
  acks,
  timeoutMs: 5000,
  topicData: [{ name: 'orders', partitionData: [{ index: 0, records: batch }, { index: 1, records: batch }] }],
});

describe('Kafka Produce', () => {
  it("appends the batches' bytes through the broker's produce and answers offsets per partition", async () => {
    const { ctx, produce } = brokerContext();
    produce.mockResolvedValueOnce({ error: undefined, baseOffset: 42, logStartOffset: 7, logAppendTimeMs: 1_700_000_000_000 });
    produce.mockResolvedValueOnce({ error: new QuillError('NOT_LEADER_OR_FOLLOWER', 'not here'), baseOffset: -1, logStartOffset: -1, logAppendTimeMs: -1 } as never);
    const body = (await produceKafkaHandler(ctx).handle(request(-1), context(7))) as ProduceResponse;
    expect(produce).toHaveBeenCalledWith('orders', 0, batch, -1, 5000);
    expect(body).toEqual({
      throttleTimeMs: 0,
      responses: [
        {
          name: 'orders',
          partitionResponses: [
            { index: 0, errorCode: 0, baseOffset: 42n, logAppendTimeMs: 1_700_000_000_000n, logStartOffset: 7n, recordErrors: [], errorMessage: null },
            { index: 1, errorCode: 6, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, recordErrors: [], errorMessage: 'not here' },
          ],
        },
      ],
    });
  });

  it('answers v0-2 UNSUPPORTED_VERSION for every partition without appending', async () => {
    const { ctx, produce } = brokerContext();
    const body = (await produceKafkaHandler(ctx).handle(request(1), context(2))) as ProduceResponse;
    expect(produce).not.toHaveBeenCalled();
    expect(body.responses[0]!.partitionResponses.map((p) => p.errorCode)).toEqual([35, 35]);
  });

  it('answers an invalid acks INVALID_REQUIRED_ACKS for every partition', async () => {
    const { ctx, produce } = brokerContext();
    const body = (await produceKafkaHandler(ctx).handle(request(2), context(3))) as ProduceResponse;
    expect(produce).not.toHaveBeenCalled();
    expect(body.responses[0]!.partitionResponses.map((p) => p.errorCode)).toEqual([21, 21]);
  });

  it('sends nothing for acks=0, and closes the connection when a partition failed', async () => {
    const { ctx, produce } = brokerContext();
    const handler = produceKafkaHandler(ctx);
    expect(await handler.handle(request(0), context(3))).toBe(NO_ANSWER);
    expect(produce).toHaveBeenCalledWith('orders', 1, batch, 0, 5000);
    produce.mockResolvedValueOnce({ error: new QuillError('UNKNOWN_TOPIC_OR_PARTITION', 'gone'), baseOffset: -1, logStartOffset: -1, logAppendTimeMs: -1 } as never);
    expect(await handler.handle(request(0), context(3))).toBe(CLOSE_CONNECTION);
    expect(handler.errorResponse!(new Error('boom'), request(0), context(3))).toBeUndefined();
    expect(handler.errorResponse!(new Error('boom'), request(1), context(3))).toMatchObject({ responses: [{ partitionResponses: [{ errorCode: -1 }, { errorCode: -1 }] }] });
  });
});
