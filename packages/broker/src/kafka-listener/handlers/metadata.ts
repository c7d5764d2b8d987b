import { liveBrokers, topicById, type MetadataState } from '@quill/metadata';
import { ApiKeys, ZERO_UUID, type MetadataRequest, type MetadataResponse, type MetadataResponseTopic } from '@quill/kafka-protocol';
import type { MetadataResponse as QuillMetadataResponse } from '@quill/proto';
import { autoCreateTopics, metadataResponse } from '../../api/broker/metadata.js';
import type { BrokerServiceContext } from '../../api/broker/context.js';
import type { KafkaHandler } from '../handler-registry.js';
import { kafkaErrorCode, kafkaErrorCodeOf } from '../kafka-error-codes.js';
import { KAFKA_LISTENER_NAME } from '../listener-name.js';

/** Kafka's "authorized operations not requested" sentinel (INT32 min). */
const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;
/** The first version where a null topic list (not an empty one) means every topic. */
const NULL_MEANS_ALL_FROM = 1;

/** What a Kafka Metadata request asks for, in the terms of the broker's Metadata operation. */
interface Wanted {
  /** Undefined: every topic. */
  names: string[] | undefined;
  /** Topics asked for by an id this broker does not know. */
  unknownIds: string[];
}

/**
 * Metadata over the broker's Metadata operation (auto topic creation included), with the brokers'
 * KAFKA endpoints instead of their gRPC ones and a live broker as the controller id, as KRaft
 * brokers answer (the quorum's controllers are not reachable by Kafka clients).
 */
export function metadataKafkaHandler(ctx: BrokerServiceContext): KafkaHandler<MetadataRequest> {
  return {
    apiKey: ApiKeys.Metadata,
    handle: async (request, { header }): Promise<MetadataResponse> => {
      const wanted = wantedTopics(ctx.replicas.state, request, header.apiVersion);
      const allowAutoTopicCreation = request.allowAutoTopicCreation ?? true;
      if (wanted.names !== undefined && wanted.names.length > 0) {
        await autoCreateTopics(ctx, { topics: wanted.names, allTopics: false, allowAutoTopicCreation });
      }
      const state = ctx.replicas.state;
      const answer =
        wanted.names !== undefined && wanted.names.length === 0
          ? { topics: [] }
          : metadataResponse(ctx, { topics: wanted.names ?? [], allTopics: wanted.names === undefined, allowAutoTopicCreation });
      return toKafkaMetadata(ctx, state, answer, wanted);
    },
    errorResponse: (error, request, { header }): MetadataResponse => {
      const wanted = wantedTopics(ctx.replicas.state, request, header.apiVersion);
      const errorCode = kafkaErrorCodeOf(error);
      return {
        throttleTimeMs: 0,
        brokers: [],
        clusterId: ctx.config.clusterId,
        controllerId: -1,
        topics: (wanted.names ?? []).map((name) => ({ errorCode, name, topicId: ZERO_UUID, isInternal: false, partitions: [] })),
      };
    },
  };
}

function wantedTopics(state: MetadataState | undefined, request: MetadataRequest, apiVersion: number): Wanted {
  if (request.topics === null || (apiVersion < NULL_MEANS_ALL_FROM && request.topics.length === 0)) return { names: undefined, unknownIds: [] };
  const names: string[] = [];
  const unknownIds: string[] = [];
  for (const topic of request.topics) {
    if (topic.name !== null) {
      names.push(topic.name);
      continue;
    }
    const byId = topic.topicId === undefined || state === undefined ? undefined : topicById(state, topic.topicId);
    if (byId === undefined) unknownIds.push(topic.topicId ?? ZERO_UUID);
    else names.push(byId.name);
  }
  return { names, unknownIds };
}

function toKafkaMetadata(ctx: BrokerServiceContext, state: MetadataState | undefined, answer: QuillMetadataResponse, wanted: Wanted): MetadataResponse {
  const brokers = state === undefined ? [] : kafkaBrokers(state);
  // Without metadata yet, every topic asked for is answered with the operation's error (retriable).
  const stateError = answer.error?.code;
  const topics: MetadataResponseTopic[] =
    stateError !== undefined && stateError !== 'NONE'
      ? (wanted.names ?? []).map((name) => ({ errorCode: kafkaErrorCode(stateError), name, topicId: ZERO_UUID, isInternal: false, partitions: [], topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED }))
      : (answer.topics ?? []).map((topic) => ({
          errorCode: kafkaErrorCode(topic.errorCode),
          name: topic.name ?? '',
          topicId: topic.topicId === undefined || topic.topicId === '' ? ZERO_UUID : topic.topicId,
          isInternal: topic.isInternal ?? false,
          partitions: (topic.partitions ?? []).map((p) => ({
            errorCode: kafkaErrorCode(p.errorCode),
            partitionIndex: p.partition ?? 0,
            leaderId: p.leaderId ?? -1,
            leaderEpoch: p.leaderEpoch ?? -1,
            replicaNodes: p.replicas ?? [],
            isrNodes: p.isr ?? [],
            offlineReplicas: p.offlineReplicas ?? [],
          })),
          topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
        }));
  for (const topicId of wanted.unknownIds) {
    topics.push({ errorCode: kafkaErrorCode('UNKNOWN_TOPIC_ID'), name: null, topicId, isInternal: false, partitions: [], topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED });
  }
  return {
    throttleTimeMs: 0,
    brokers,
    clusterId: ctx.config.clusterId,
    // KRaft brokers name a live broker: clients send controller-bound requests there to be forwarded.
    controllerId: brokers[0]?.nodeId ?? -1,
    topics,
    clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}

/** Every live broker that has a Kafka listener, at its KAFKA endpoint, by id. */
function kafkaBrokers(state: MetadataState): MetadataResponse['brokers'] {
  return liveBrokers(state).flatMap((broker) => {
    const endpoint = broker.endpoints.find((e) => e.listenerName === KAFKA_LISTENER_NAME);
    return endpoint === undefined ? [] : [{ nodeId: broker.brokerId, host: endpoint.host, port: endpoint.port, rack: broker.rack ?? null }];
  });
}
