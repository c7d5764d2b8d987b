import { ApiKeys, type FetchRequest, type FetchRequestTopic, type FetchResponse, type FetchResponsePartitionData, type FetchResponseTopicResponse } from '@quill/kafka-protocol';
import { topicById, type MetadataState } from '@quill/metadata';
import type { FetchRequest__Output } from '@quill/proto';
import { consumerFetch, type ConsumerFetchResult } from '../../api/broker/fetch.js';
import type { BrokerServiceContext } from '../../api/broker/context.js';
import type { KafkaHandler } from '../handler-registry.js';
import { kafkaErrorCode, kafkaErrorCodeOf } from '../kafka-error-codes.js';
import { isolationLevelOf } from './isolation-level.js';

/** Fetch-session errors (KIP-227): Kafka numbers with no Quill ErrorCode, as only this handler answers them. */
const KAFKA_FETCH_SESSION_ID_NOT_FOUND = 70;
const KAFKA_INVALID_FETCH_SESSION_EPOCH = 71;
/** The session id of a sessionless answer: the client goes on sending full fetches. */
const NO_SESSION = 0;
/** A request's session epoch for a full fetch outside any session (or closing one). */
const FINAL_EPOCH = -1;
const NO_PREFERRED_READ_REPLICA = -1;
const NO_RECORDS = Buffer.alloc(0);
const UNKNOWN_TOPIC_ID = kafkaErrorCode('UNKNOWN_TOPIC_ID');

/**
 * Fetch over the Kafka listener: the consumer fetch of the gRPC Fetch (same long poll on the same
 * purgatory, same reads: whole batches as stored, passed through without a copy); topics by name,
 * from v13 by id (the version @platformatic/kafka needs: it sends ids even at v12). Every answer is
 * sessionless (session id 0): a client asking to open a fetch session gets a full answer and no
 * session, which Kafka clients accept; a session id we never gave out is FETCH_SESSION_ID_NOT_FOUND.
 */
export function fetchKafkaHandler(ctx: BrokerServiceContext): KafkaHandler<FetchRequest> {
  return {
    apiKey: ApiKeys.Fetch,
    handle: async (request): Promise<FetchResponse> => {
      const refusal = sessionRefusal(request);
      if (refusal !== undefined) return { throttleTimeMs: 0, errorCode: refusal, sessionId: NO_SESSION, responses: [] };
      const topics = resolveTopics(request, ctx.replicas.state);
      const result = await consumerFetch(ctx, toConsumerFetchRequest(request, topics));
      return toKafkaFetchResponse(request, topics, result);
    },
    errorResponse: (error, request): FetchResponse => {
      const errorCode = kafkaErrorCodeOf(error);
      return {
        throttleTimeMs: 0,
        errorCode,
        sessionId: NO_SESSION,
        responses: request.topics.map((topic) => ({
          ...topicKeys(topic),
          partitions: topic.partitions.map((p) => partitionData(p.partition, errorCode, -1, -1, -1, NO_RECORDS)),
        })),
      };
    },
  };
}

/**
 * Why a request's fetch session cannot be served, as a Kafka error number; undefined when it is
 * answered as a full sessionless fetch: epoch -1 (no session, or closing one, as Kafka does) and
 * epoch 0 with no id (asking for a new session, which we do not open).
 */
export function sessionRefusal(request: Pick<FetchRequest, 'sessionId' | 'sessionEpoch'>): number | undefined {
  const sessionId = request.sessionId ?? NO_SESSION;
  const epoch = request.sessionEpoch ?? FINAL_EPOCH;
  if (epoch === FINAL_EPOCH) return undefined;
  if (sessionId !== NO_SESSION) return KAFKA_FETCH_SESSION_ID_NOT_FOUND;
  return epoch > 0 ? KAFKA_INVALID_FETCH_SESSION_EPOCH : undefined;
}

/** A request topic's name (by id from v13, by name before), or undefined for an id no topic has. */
export function resolveTopics(request: FetchRequest, state: MetadataState | undefined): Array<string | undefined> {
  return request.topics.map((topic) => {
    if (topic.topicId === undefined) return topic.topic;
    return state === undefined ? undefined : topicById(state, topic.topicId)?.name;
  });
}

/**
 * The Kafka request as the broker's consumer fetch takes it (longs as numbers), without the topics
 * no name was found for; those are errors, which are answered at once, not after the wait.
 */
export function toConsumerFetchRequest(request: FetchRequest, names: ReadonlyArray<string | undefined>): FetchRequest__Output {
  return {
    maxWaitMs: names.includes(undefined) ? 0 : request.maxWaitMs,
    minBytes: request.minBytes,
    maxBytes: request.maxBytes,
    isolationLevel: isolationLevelOf(request.isolationLevel),
    topics: request.topics.flatMap((topic, i) => {
      const name = names[i];
      if (name === undefined) return [];
      return [
        {
          topic: name,
          topicId: '',
          partitions: topic.partitions.map((p) => ({
            partition: p.partition,
            currentLeaderEpoch: p.currentLeaderEpoch ?? -1,
            fetchOffset: Number(p.fetchOffset),
            logStartOffset: -1,
            partitionMaxBytes: p.partitionMaxBytes,
          })),
        },
      ];
    }),
  };
}

/**
 * The broker's fetch answer in Kafka's form, per request topic (named as the request named it):
 * Kafka error numbers, no aborted transactions, no preferred read replica; a topic id no topic
 * has is UNKNOWN_TOPIC_ID for each of its partitions.
 */
export function toKafkaFetchResponse(request: FetchRequest, names: ReadonlyArray<string | undefined>, result: ConsumerFetchResult): FetchResponse {
  const answered = result.topics[Symbol.iterator]();
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: NO_SESSION,
    responses: request.topics.map((topic, i) => {
      if (names[i] === undefined) {
        return { ...topicKeys(topic), partitions: topic.partitions.map((p) => partitionData(p.partition, UNKNOWN_TOPIC_ID, -1, -1, -1, NO_RECORDS)) };
      }
      const fetched = answered.next().value as ConsumerFetchResult['topics'][number];
      return {
        ...topicKeys(topic),
        partitions: fetched.partitions.map((p) =>
          partitionData(p.partition, kafkaErrorCode(p.errorCode), p.highWatermark, p.lastStableOffset, p.logStartOffset, p.records ?? NO_RECORDS),
        ),
      };
    }),
  };
}

/** A response topic's key as its request had it: the name (to v12) or the id (from v13). */
function topicKeys(topic: FetchRequestTopic): Pick<FetchResponseTopicResponse, 'topic' | 'topicId'> {
  return topic.topicId === undefined ? { topic: topic.topic ?? '' } : { topicId: topic.topicId };
}

function partitionData(partition: number, errorCode: number, highWatermark: number, lastStableOffset: number, logStartOffset: number, records: Buffer): FetchResponsePartitionData {
  return {
    partitionIndex: partition,
    errorCode,
    highWatermark: BigInt(highWatermark),
    lastStableOffset: BigInt(lastStableOffset),
    logStartOffset: BigInt(logStartOffset),
    abortedTransactions: [],
    preferredReadReplica: NO_PREFERRED_READ_REPLICA,
    records,
  };
}
