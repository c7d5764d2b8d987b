import type { ServerDuplexStream, ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import { partitionsOf, type ControllerClient, type MetadataState, type UnaryMethod } from '@quill/controller';
import {
  QuillError,
  type BrokerHandlers,
  type FetchPartitionResponse,
  type FetchRequest__Output,
  type FetchResponse,
  type ListOffsetsPartitionResponse,
  type MetadataRequest__Output,
  type MetadataResponse,
  type ProducePartitionResponse,
  type ProduceRequest__Output,
  type ProduceResponse,
} from '@quill/proto';
import type { Logger } from 'pino';
import type { BrokerConfig } from '../config.js';
import { brokerError, toQuillError } from '../errors.js';
import type { ProducerIdManager } from '../producer-state/producer-id-manager.js';
import type { ReplicaManager } from '../replica-manager/replica-manager.js';
import { serveInOrder } from './in-order-stream.js';

const LATEST_TIMESTAMP = -1;
const EARLIEST_TIMESTAMP = -2;
const DEFAULT_PRODUCE_TIMEOUT_MS = 30_000;

export interface BrokerServiceContext {
  config: BrokerConfig;
  replicas: ReplicaManager;
  controller: ControllerClient;
  producerIds: ProducerIdManager;
  logger: Logger;
}

/** A whole request's failure as its answer's `error`. */
const errorResponse = (error: unknown) => ({ error: { code: toQuillError(error).code, message: toQuillError(error).message } });

const codeOf = (error: QuillError | undefined) => ({ errorCode: error?.code ?? ('NONE' as const), errorMessage: error?.message ?? '' });

/**
 * The client-facing Broker service: metadata from the local copy of the metadata log, produce
 * and fetch against this broker's replicas, and admin calls forwarded to the active controller.
 * Failures are answered with a code in the response, never by crashing or a transport error.
 */
export function brokerHandlers(ctx: BrokerServiceContext): Partial<BrokerHandlers> {
  const forward =
    (method: UnaryMethod) =>
    (call: ServerUnaryCall<object, object>, callback: sendUnaryData<object>): void => {
      ctx.controller.call(method, call.request).then(
        (response) => callback(null, response),
        (error: unknown) => callback(null, { error: { code: toQuillError(error).code, message: toQuillError(error).message } }),
      );
    };
  return {
    Metadata: (call, callback) => {
      autoCreateTopics(ctx, call.request).then(
        () => callback(null, metadataResponse(ctx, call.request)),
        (error: unknown) => callback(null, { error: { code: toQuillError(error).code, message: toQuillError(error).message } }),
      );
    },

    Produce: (call, callback) => {
      void produce(ctx, call.request).then((response) => callback(null, response));
    },

    ProduceStream: (call: ServerDuplexStream<ProduceRequest__Output, ProduceResponse>) => {
      serveInOrder(call, (request) => produce(ctx, request), { maxPending: ctx.config.queuedMaxRequestsPerStream, failed: errorResponse });
    },

    Fetch: (call, callback) => {
      fetch(ctx, call.request).then(
        (response) => callback(null, response),
        (error: unknown) => callback(null, { error: { code: toQuillError(error).code, message: toQuillError(error).message } }),
      );
    },

    FetchStream: (call: ServerDuplexStream<FetchRequest__Output, FetchResponse>) => {
      serveInOrder(call, (request) => fetch(ctx, request), { maxPending: ctx.config.queuedMaxRequestsPerStream, failed: errorResponse });
    },

    ListOffsets: (call, callback) => {
      const topics = call.request.topics.map((topic) => ({
        name: topic.name,
        partitions: topic.partitions.map((p): ListOffsetsPartitionResponse => {
          try {
            const partition = ctx.replicas.partition(topic.name, p.partition);
            if (partition === undefined) throw unknownPartition(ctx.replicas.state, topic.name, p.partition);
            if (!partition.isLeader) throw brokerError('NOT_LEADER_OR_FOLLOWER', `${partition.key} is not led by broker ${ctx.config.nodeId}`);
            const fenced = partition.checkLeaderEpoch(p.currentLeaderEpoch);
            if (fenced !== undefined) throw fenced;
            const leaderEpoch = partition.leaderEpoch;
            if (p.timestamp === LATEST_TIMESTAMP) return { partition: p.partition, errorCode: 'NONE', offset: partition.highWatermark, timestamp: -1, leaderEpoch };
            if (p.timestamp === EARLIEST_TIMESTAMP) return { partition: p.partition, errorCode: 'NONE', offset: partition.log.logStartOffset, timestamp: -1, leaderEpoch };
            const found = partition.log.offsetForTimestamp(p.timestamp);
            const visible = found !== undefined && found.offset < partition.highWatermark;
            return { partition: p.partition, errorCode: 'NONE', offset: visible ? found.offset : -1, timestamp: visible ? found.timestamp : -1, leaderEpoch };
          } catch (error) {
            return { partition: p.partition, ...codeOf(toQuillError(error)) };
          }
        }),
      }));
      callback(null, { topics });
    },

    InitProducerId: (call, callback) => {
      if (call.request.transactionalId !== undefined && call.request.transactionalId !== '') {
        callback(null, { error: { code: 'INVALID_REQUEST', message: 'Transactions are not supported yet: leave transactionalId unset for an idempotent producer.' } });
        return;
      }
      ctx.producerIds.nextId().then(
        (producerId) => callback(null, { producerId, producerEpoch: 0 }),
        (error: unknown) => callback(null, { error: { code: toQuillError(error).code, message: toQuillError(error).message } }),
      );
    },

    CreateTopics: forward('CreateTopics'),
    DeleteTopics: forward('DeleteTopics'),
    CreatePartitions: forward('CreatePartitions'),
    DescribeConfigs: forward('DescribeConfigs'),
    AlterConfigs: forward('AlterConfigs'),
    IncrementalAlterConfigs: forward('IncrementalAlterConfigs'),
    ElectLeaders: forward('ElectLeaders'),
    DescribeCluster: forward('DescribeCluster'),
    DescribeQuorum: forward('DescribeQuorum'),
  };
}

function unknownPartition(state: MetadataState | undefined, topic: string, index: number): QuillError {
  const exists = state?.topicIdsByName.has(topic) === true;
  return exists
    ? brokerError('NOT_LEADER_OR_FOLLOWER', `This broker hosts no replica of ${topic}-${index}.`)
    : brokerError('UNKNOWN_TOPIC_OR_PARTITION', `Topic-partition ${topic}-${index} does not exist.`);
}

/**
 * auto.create.topics.enable: unknown topics a client asks about (and allows) are created with the
 * broker's defaults. The answer then says LEADER_NOT_AVAILABLE for them until metadata arrives;
 * clients retry.
 */
async function autoCreateTopics(ctx: BrokerServiceContext, request: MetadataRequest__Output): Promise<void> {
  const state = ctx.replicas.state;
  if (!ctx.config.autoCreateTopicsEnable || !request.allowAutoTopicCreation || state === undefined) return;
  const missing = request.topics.filter((name) => !state.topicIdsByName.has(name));
  if (missing.length === 0) return;
  const liveBrokers = [...state.brokers.values()].filter((b) => !b.fenced).length;
  const replicationFactor = Math.max(1, Math.min(ctx.config.defaultReplicationFactor, liveBrokers));
  await ctx.controller.call('CreateTopics', {
    topics: missing.map((name) => ({ name, numPartitions: ctx.config.numPartitions, replicationFactor })),
  });
  ctx.logger.info({ topics: missing }, 'auto-created topics');
}

function metadataResponse(ctx: BrokerServiceContext, request: MetadataRequest__Output): MetadataResponse {
  const state = ctx.replicas.state;
  if (state === undefined) return { error: { code: 'LEADER_NOT_AVAILABLE', message: 'This broker has not loaded the cluster metadata yet.' } };
  const brokers = [...state.brokers.values()]
    .filter((b) => !b.fenced)
    .sort((a, b) => a.brokerId - b.brokerId)
    .map((b) => ({ brokerId: b.brokerId, host: b.endpoints[0]?.host ?? '', port: b.endpoints[0]?.port ?? 0, ...(b.rack === undefined ? {} : { rack: b.rack }) }));
  const live = new Set(brokers.map((b) => b.brokerId));
  const wanted = request.allTopics || request.topics.length === 0 ? [...state.topicIdsByName.keys()].sort() : request.topics;
  const topics = wanted.map((name) => {
    const topicId = state.topicIdsByName.get(name);
    const topic = topicId === undefined ? undefined : state.topicsById.get(topicId);
    if (topic === undefined) {
      return ctx.config.autoCreateTopicsEnable && request.allowAutoTopicCreation
        ? { name, errorCode: 'LEADER_NOT_AVAILABLE' as const, errorMessage: `Topic '${name}' is being created.` }
        : { name, errorCode: 'UNKNOWN_TOPIC_OR_PARTITION' as const, errorMessage: `Topic '${name}' does not exist.` };
    }
    return {
      name,
      topicId: topic.topicId,
      errorCode: 'NONE' as const,
      isInternal: name.startsWith('__'),
      partitions: partitionsOf(topic).map((p) => ({
        partition: p.partition,
        errorCode: p.leader < 0 ? ('LEADER_NOT_AVAILABLE' as const) : ('NONE' as const),
        leaderId: p.leader,
        leaderEpoch: p.leaderEpoch,
        replicas: [...p.replicas],
        isr: [...p.isr],
        offlineReplicas: p.replicas.filter((r) => !live.has(r)),
      })),
    };
  });
  return { clusterId: ctx.config.clusterId, controllerId: -1, brokers, topics, metadataOffset: state.offset };
}

/** A consumer fetch: long-polls until some partition has data below its high watermark, then reads. */
/** Appends a Produce request's batches; failures are answered, never thrown. */
async function produce(ctx: BrokerServiceContext, request: ProduceRequest__Output): Promise<ProduceResponse> {
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
            const currentId = ctx.replicas.state?.topicIdsByName.get(topic.name);
            if (topic.topicId !== '' && currentId !== undefined && currentId !== topic.topicId) {
              const error = brokerError('INCONSISTENT_TOPIC_ID', `Topic ${topic.name} is ${currentId} here, not ${topic.topicId} (deleted and re-created?).`);
              return { partition: p.partition, ...codeOf(error), baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1 };
            }
            const result = await ctx.replicas.produce(topic.name, p.partition, p.records, request.acks, timeoutMs);
            return { partition: p.partition, ...codeOf(result.error), baseOffset: result.baseOffset, logAppendTimeMs: -1, logStartOffset: result.logStartOffset };
          }),
        ),
      })),
    );
    return { topics };
  } catch (error) {
    return { error: { code: toQuillError(error).code, message: toQuillError(error).message } };
  }
}

async function fetch(ctx: BrokerServiceContext, request: FetchRequest__Output): Promise<FetchResponse> {
  const wanted = request.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, ...p })));
  const ready = (): boolean =>
    wanted.some((w) => {
      const partition = ctx.replicas.partition(w.topic, w.partition);
      // Errors (no replica, not leader, offset outside the log) are answered at once, not after the wait.
      if (partition === undefined || !partition.isLeader) return true;
      const log = partition.log;
      return partition.highWatermark > w.fetchOffset || w.fetchOffset > log.logEndOffset || w.fetchOffset < log.logStartOffset;
    });
  // Only hosted replicas can change the answer; a missing one makes `ready` hold at once.
  const keys = wanted.flatMap((w) => ctx.replicas.partition(w.topic, w.partition)?.key ?? []);
  await ctx.replicas.waitForData(keys, ready, request.maxWaitMs);
  let budget = request.maxBytes > 0 ? request.maxBytes : Number.MAX_SAFE_INTEGER;
  const topics = request.topics.map((topic) => ({
    topic: topic.topic,
    partitions: topic.partitions.map((p): FetchPartitionResponse => {
      try {
        const partition = ctx.replicas.partition(topic.topic, p.partition);
        if (partition === undefined) throw unknownPartition(ctx.replicas.state, topic.topic, p.partition);
        if (!partition.isLeader) throw brokerError('NOT_LEADER_OR_FOLLOWER', `${partition.key} is not led by broker ${ctx.config.nodeId}`);
        const fenced = partition.checkLeaderEpoch(p.currentLeaderEpoch);
        if (fenced !== undefined) throw fenced;
        const maxBytes = Math.max(1, Math.min(p.partitionMaxBytes > 0 ? p.partitionMaxBytes : budget, budget));
        const read = partition.readForConsumer(p.fetchOffset, maxBytes);
        budget = Math.max(0, budget - read.records.length);
        return {
          partition: p.partition,
          errorCode: 'NONE',
          highWatermark: read.highWatermark,
          lastStableOffset: read.highWatermark,
          logStartOffset: read.logStartOffset,
          records: read.records,
        };
      } catch (error) {
        return { partition: p.partition, ...codeOf(toQuillError(error)), highWatermark: -1, lastStableOffset: -1, logStartOffset: -1 };
      }
    }),
  }));
  return { topics };
}
