import type { ServerDuplexStream } from '@grpc/grpc-js';
import { topicByName } from '@quill/metadata';
import type { BrokerHandlers, ProducePartitionResponse, ProduceRequest__Output, ProduceResponse } from '@quill/proto';
import { brokerError } from '../../errors.js';
import { serveInOrder } from '../in-order-stream.js';
import { errorResponse, unary } from '../unary.js';
import type { BrokerServiceContext } from './context.js';
import { codeOf } from './partition-errors.js';

const DEFAULT_PRODUCE_TIMEOUT_MS = 30_000;

/** Produce, one request per call. */
export function produceHandler(ctx: BrokerServiceContext): BrokerHandlers['Produce'] {
  return unary((call) => produce(ctx, call.request));
}

/** Produce on one long-lived stream: one answer per request, in order. */
export function produceStreamHandler(ctx: BrokerServiceContext): BrokerHandlers['ProduceStream'] {
  return (call: ServerDuplexStream<ProduceRequest__Output, ProduceResponse>) => {
    serveInOrder(call, (request) => produce(ctx, request), { maxPending: ctx.config.queuedMaxRequestsPerStream, failed: errorResponse });
  };
}

/** Appends a Produce request's batches; failures are answered, never thrown. The Kafka listener's Produce calls it too. */
export async function produce(ctx: BrokerServiceContext, request: ProduceRequest__Output): Promise<ProduceResponse> {
  if (![-1, 0, 1].includes(request.acks)) {
    return { error: { code: 'INVALID_REQUEST', message: `acks must be -1, 0 or 1, got ${request.acks}` } };
  }
  const timeoutMs = request.timeoutMs > 0 ? request.timeoutMs : DEFAULT_PRODUCE_TIMEOUT_MS;
  try {
    const topics = await Promise.all(
      request.topics.map(async (topic) => ({
        name: topic.name,
        partitions: await Promise.all(
          topic.partitions.map(async (p): Promise<ProducePartitionResponse> => {
            // Checked in the same tick as the replica lookup in produce(), so no metadata change falls between.
            const state = ctx.replicas.state;
            const currentId = state === undefined ? undefined : topicByName(state, topic.name)?.topicId;
            if (topic.topicId !== '' && currentId !== undefined && currentId !== topic.topicId) {
              const error = brokerError('INCONSISTENT_TOPIC_ID', `Topic ${topic.name} is ${currentId} here, not ${topic.topicId} (deleted and re-created?).`);
              return { partition: p.partition, ...codeOf(error), baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1 };
            }
            const result = await ctx.replicas.produce(topic.name, p.partition, p.records, request.acks, timeoutMs);
            return { partition: p.partition, ...codeOf(result.error), baseOffset: result.baseOffset, logAppendTimeMs: result.logAppendTimeMs, logStartOffset: result.logStartOffset };
          }),
        ),
      })),
    );
    return { topics };
  } catch (error) {
    return errorResponse(error);
  }
}
