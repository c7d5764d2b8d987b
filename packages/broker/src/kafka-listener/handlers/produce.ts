import { ApiKeys, type ProduceRequest, type ProduceResponse } from '@quill/kafka-protocol';
import type { ProduceResponse as QuillProduceResponse } from '@quill/proto';
import type { BrokerServiceContext } from '../../api/broker/context.js';
import { produce } from '../../api/broker/produce.js';
import { CLOSE_CONNECTION, NO_ANSWER, type KafkaHandler } from '../handler-registry.js';
import { kafkaErrorCode, kafkaErrorCodeOf } from '../kafka-error-codes.js';

/**
 * The first Produce version served. Older ones carry message sets v0/v1, not RecordBatch v2; they
 * stay advertised (librdkafka probes them to decide it may compress) and are answered
 * UNSUPPORTED_VERSION per partition, as Kafka 4 brokers do.
 */
export const PRODUCE_MIN_SERVED_VERSION = 3;

/** The acks Kafka accepts; any other value is answered INVALID_REQUIRED_ACKS per partition, as Kafka does. */
const VALID_ACKS = new Set([-1, 0, 1]);

/**
 * Produce over the broker's produce operation: the record batches go through as bytes (they are
 * RecordBatch v2 already, idempotent producer fields included). acks=0 gets no answer at all; if
 * any partition failed the connection is closed instead, so the client notices (as Kafka does).
 */
export function produceKafkaHandler(ctx: BrokerServiceContext): KafkaHandler<ProduceRequest> {
  return {
    apiKey: ApiKeys.Produce,
    handle: async (request, { header }) => {
      if (header.apiVersion < PRODUCE_MIN_SERVED_VERSION) return everyPartition(request, kafkaErrorCode('UNSUPPORTED_VERSION'));
      if (!VALID_ACKS.has(request.acks)) return everyPartition(request, kafkaErrorCode('INVALID_REQUIRED_ACKS'), `acks must be -1, 0 or 1, got ${request.acks}`);
      const answer = await produce(ctx, {
        acks: request.acks,
        timeoutMs: request.timeoutMs,
        ...(request.transactionalId === null || request.transactionalId === undefined ? {} : { transactionalId: request.transactionalId }),
        topics: request.topicData.map((topic) => ({
          name: topic.name,
          topicId: '',
          partitions: topic.partitionData.map((p) => ({ partition: p.index, records: p.records ?? Buffer.alloc(0) })),
        })),
      });
      const body = toKafkaProduce(request, answer);
      if (request.acks !== 0) return body;
      const failed = body.responses.some((t) => t.partitionResponses.some((p) => p.errorCode !== 0));
      return failed ? CLOSE_CONNECTION : NO_ANSWER;
    },
    errorResponse: (error, request) => (request.acks === 0 ? undefined : everyPartition(request, kafkaErrorCodeOf(error))),
  };
}

function toKafkaProduce(request: ProduceRequest, answer: QuillProduceResponse): ProduceResponse {
  const requestError = answer.error?.code;
  if (requestError !== undefined && requestError !== 'NONE') return everyPartition(request, kafkaErrorCode(requestError), answer.error?.message);
  return {
    responses: (answer.topics ?? []).map((topic) => ({
      name: topic.name ?? '',
      partitionResponses: (topic.partitions ?? []).map((p) => ({
        index: p.partition ?? 0,
        errorCode: kafkaErrorCode(p.errorCode),
        baseOffset: BigInt(String(p.baseOffset ?? -1)),
        logAppendTimeMs: BigInt(String(p.logAppendTimeMs ?? -1)),
        logStartOffset: BigInt(String(p.logStartOffset ?? -1)),
        recordErrors: [],
        errorMessage: p.errorMessage === undefined || p.errorMessage === '' ? null : p.errorMessage,
      })),
    })),
    throttleTimeMs: 0,
  };
}

/** The same error for every partition of the request (a failure of the whole request). */
function everyPartition(request: ProduceRequest, errorCode: number, errorMessage?: string): ProduceResponse {
  return {
    responses: request.topicData.map((topic) => ({
      name: topic.name,
      partitionResponses: topic.partitionData.map((p) => ({
        index: p.index,
        errorCode,
        baseOffset: -1n,
        logAppendTimeMs: -1n,
        logStartOffset: -1n,
        recordErrors: [],
        errorMessage: errorMessage ?? null,
      })),
    })),
    throttleTimeMs: 0,
  };
}
