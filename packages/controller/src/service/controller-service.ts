import { randomUUID } from 'node:crypto';
import type { ServerWritableStream } from '@grpc/grpc-js';
import {
  QuillError,
  type ConfigResourceType__Output,
  type ElectionType__Output,
  type ErrorCode,
  type ControllerHandlers,
  type FetchMetadataRequest__Output,
  type FetchMetadataResponse,
  type LeaderHint,
  type Error as WireError,
} from '@quill/proto';
import type { Logger } from 'pino';
import { brokersSortedById, configEntries, configResourceKind } from '@quill/metadata';
import { alterConfigs, incrementalAlterConfigs } from '../decisions/alter-configs.js';
import { alterPartition } from '../decisions/alter-partition.js';
import { brokerHeartbeat } from '../decisions/broker-heartbeat.js';
import { registerBroker, unregisterBroker } from '../decisions/broker-registration.js';
import { createPartitions } from '../decisions/create-partitions.js';
import { createTopics, type TopicCreationPolicy } from '../decisions/create-topics.js';
import { accept } from '../decisions/decision.js';
import { deleteTopic } from '../decisions/delete-topics.js';
import { electLeaders, type ElectionType } from '../decisions/elect-leaders.js';
import { allocateProducerIds } from '../decisions/producer-ids.js';
import type { ActiveController } from '../node/active-controller.js';
import type { MetadataLogReader } from '../node/metadata-log-reader.js';
import type { MetadataStateMachine } from '../node/metadata-state-machine.js';
import type { RaftDriver } from '../node/raft-driver.js';

export interface ControllerServiceContext {
  clusterId: string;
  nodeId: number;
  voters: ReadonlyMap<number, { host: string; port: number }>;
  driver: RaftDriver;
  metadata: MetadataStateMachine;
  active: ActiveController;
  log: MetadataLogReader;
  topicPolicy: TopicCreationPolicy;
  logger: Logger;
  /** Time of the last message from each voter, for DescribeQuorum. */
  lastContactMs: ReadonlyMap<number, number>;
}

/** A wire error with its code always set. */
type CodedError = Required<Pick<WireError, 'code' | 'message'>>;

function wireError(error: unknown): CodedError {
  if (error instanceof QuillError) return { code: error.code, message: error.message };
  return { code: 'UNKNOWN_SERVER_ERROR', message: error instanceof Error ? error.message : String(error) };
}

/** A per-item result: the item's identifying fields, then either its outcome or its error. */
type ItemResult<F, R> = F & Partial<R> & { errorCode: CodedError['code']; errorMessage?: string };

/**
 * Decides each item of a request on its own: an item's failure becomes its error code, while
 * NOT_CONTROLLER fails the whole call (the caller retries it at the active controller).
 */
async function eachItem<I, F extends object, R extends object>(
  items: readonly I[],
  fields: (item: I) => F,
  run: (item: I) => Promise<R>,
): Promise<Array<ItemResult<F, R>>> {
  const results: Array<ItemResult<F, R>> = [];
  for (const item of items) {
    try {
      results.push({ ...fields(item), ...(await run(item)), errorCode: 'NONE' } as ItemResult<F, R>);
    } catch (error) {
      if (error instanceof QuillError && error.code === 'NOT_CONTROLLER') throw error;
      const wire = wireError(error);
      results.push({ ...fields(item), errorCode: wire.code, errorMessage: wire.message } as ItemResult<F, R>);
    }
  }
  return results;
}

/**
 * The Controller gRPC service: wire requests in, decisions of the active controller out. Every
 * failure is answered with a code and message in the response, never as a transport error.
 */
export function controllerHandlers(ctx: ControllerServiceContext): ControllerHandlers {
  const leaderHint = (): LeaderHint => {
    const leaderId = ctx.driver.leaderId;
    const address = ctx.voters.get(leaderId);
    return { leaderId: leaderId > 0 ? leaderId : -1, host: address?.host ?? '', port: address?.port ?? 0, term: ctx.driver.status().term };
  };
  /** Runs a handler body; any thrown error becomes the response's `error` (with a leader hint). */
  const answer = <T extends object>(callback: (error: null, response: T & { error?: WireError; leaderHint?: LeaderHint }) => void, body: () => Promise<T>): void => {
    body().then(
      (response) => callback(null, response),
      (error: unknown) => {
        const wire = wireError(error);
        if (wire.code === 'UNKNOWN_SERVER_ERROR') ctx.logger.error({ err: error }, 'controller request failed');
        callback(null, { error: wire, leaderHint: leaderHint() } as T & { error: WireError; leaderHint: LeaderHint });
      },
    );
  };

  return {
    RegisterBroker: (call, callback) =>
      answer(callback, async () => {
        const request = call.request;
        if (request.clusterId !== ctx.clusterId) {
          throw new QuillError('INCONSISTENT_CLUSTER_ID', `Broker ${request.brokerId} belongs to cluster '${request.clusterId}', not '${ctx.clusterId}'.`);
        }
        const alive = ctx.active.sessionAlive(request.brokerId);
        const { brokerEpoch } = await ctx.active.decide((state, offset) =>
          registerBroker(
            state,
            {
              brokerId: request.brokerId,
              incarnationId: request.incarnationId,
              listeners: request.listeners.map((l) => ({ listenerName: l.listenerName, host: l.host, port: l.port })),
              rack: request.rack,
            },
            { offset, previousSessionAlive: alive },
          ),
        );
        ctx.active.touchBroker(request.brokerId);
        return { brokerEpoch, leaderHint: leaderHint() };
      }),

    BrokerHeartbeat: (call, callback) =>
      answer(callback, async () => {
        const request = call.request;
        if (!ctx.driver.isLeader) throw ctx.active.notController();
        ctx.active.touchBroker(request.brokerId);
        const reply = await ctx.active.decide((state) =>
          brokerHeartbeat(
            state,
            { brokerId: request.brokerId, brokerEpoch: request.brokerEpoch, metadataOffset: request.metadataOffset, wantFence: request.wantFence, wantShutdown: request.wantShutdown },
            { highWatermark: state.offset },
          ),
        );
        return { ...reply, leaderHint: leaderHint() };
      }),

    UnregisterBroker: (call, callback) =>
      answer(callback, async () => {
        await ctx.active.decide((state) => unregisterBroker(state, call.request.brokerId));
        return {};
      }),

    FetchMetadata: (call) => streamMetadata(ctx, call, leaderHint),

    AlterPartition: (call, callback) =>
      answer(callback, async () => {
        const request = call.request;
        const topics = [];
        for (const topic of request.topics) {
          const partitions = await eachItem(
            topic.partitions,
            (item) => ({ partition: item.partition }),
            async (item) => {
              const result = await ctx.active.decide((state) =>
                alterPartition(state, {
                  brokerId: request.brokerId,
                  brokerEpoch: request.brokerEpoch,
                  topicId: topic.topicId,
                  partition: item.partition,
                  leaderEpoch: item.leaderEpoch,
                  partitionEpoch: item.partitionEpoch,
                  newIsr: item.newIsr,
                }),
              );
              return { leaderId: result.leader, leaderEpoch: result.leaderEpoch, isr: [...result.isr], partitionEpoch: result.partitionEpoch };
            },
          );
          topics.push({ topicId: topic.topicId, partitions });
        }
        return { topics };
      }),

    AllocateProducerIds: (call, callback) =>
      answer(callback, async () => {
        const block = await ctx.active.decide((state) => allocateProducerIds(state, call.request.brokerId, call.request.brokerEpoch));
        return { producerIdStart: block.start, producerIdLen: block.length };
      }),

    CreateTopics: (call, callback) =>
      answer(callback, async () => {
        const request = call.request;
        const outcomes = await ctx.active.decide((state) => {
          const result = createTopics(
            state,
            request.topics.map((t) => ({
              name: t.name,
              numPartitions: t.numPartitions === 0 ? -1 : t.numPartitions,
              replicationFactor: t.replicationFactor === 0 ? -1 : t.replicationFactor,
              assignments: t.assignments.map((a) => ({ partition: a.partition, brokerIds: a.brokerIds })),
              configs: t.configs,
            })),
            { policy: ctx.topicPolicy, newTopicId: randomUUID },
          );
          return accept(request.validateOnly ? [] : result.records, result.outcomes);
        });
        return {
          topics: outcomes.map((o) =>
            o.decision.ok
              ? { name: o.name, topicId: o.decision.result.topicId, errorCode: 'NONE' as const, numPartitions: o.decision.result.numPartitions, replicationFactor: o.decision.result.replicationFactor }
              : { name: o.name, errorCode: o.decision.error.code, errorMessage: o.decision.error.message },
          ),
        };
      }),

    DeleteTopics: (call, callback) =>
      answer(callback, async () => {
        const targets = [...call.request.names.map((name) => ({ name })), ...call.request.topicIds.map((topicId) => ({ topicId }))];
        const topics = await eachItem(
          targets,
          (target) => target,
          async (target) => ctx.active.decide((state) => deleteTopic(state, target)),
        );
        return { topics };
      }),

    CreatePartitions: (call, callback) =>
      answer(callback, async () => {
        const topics = await eachItem(
          call.request.topics,
          (topic) => ({ name: topic.name }),
          async (topic) => {
            await ctx.active.decide((state) => {
              const request = { name: topic.name, count: topic.count, assignments: topic.assignments.map((a) => ({ partition: a.partition, brokerIds: a.brokerIds })) };
              const decision = createPartitions(state, request, ctx.topicPolicy);
              return decision.ok && call.request.validateOnly ? accept([], decision.result) : decision;
            });
            return {};
          },
        );
        return { topics };
      }),

    DescribeConfigs: (call, callback) =>
      answer(callback, async () => {
        const state = ctx.metadata.current;
        const results = call.request.resources.map((resource) => {
          const kind = configResourceKind(resource.resourceType);
          if (kind === undefined) {
            return { resourceType: resource.resourceType, resourceName: resource.resourceName, errorCode: 'INVALID_REQUEST' as const, errorMessage: `Unsupported resource type ${resource.resourceType}.` };
          }
          const entries = configEntries(state, { kind, name: resource.resourceName });
          const wanted = resource.configNames.length === 0 ? undefined : new Set(resource.configNames);
          return {
            resourceType: resource.resourceType,
            resourceName: resource.resourceName,
            errorCode: 'NONE' as const,
            configs: [...entries].filter(([name]) => wanted === undefined || wanted.has(name)).map(([name, value]) => ({ name, value })),
          };
        });
        return { results };
      }),

    AlterConfigs: (call, callback) =>
      answer(callback, async () => {
        const results = await eachItem(call.request.resources, configResourceFields, async (resource) => {
          await ctx.active.decide((state) => {
            const decision = alterConfigs(state, resource, resource.configs);
            return decision.ok && call.request.validateOnly ? accept([], undefined) : decision;
          });
          return {};
        });
        return { results };
      }),

    IncrementalAlterConfigs: (call, callback) =>
      answer(callback, async () => {
        const results = await eachItem(call.request.resources, configResourceFields, async (resource) => {
          await ctx.active.decide((state) => {
            const operations = resource.configs.map((c) => ({ name: c.name, op: c.op, value: c.value }));
            const decision = incrementalAlterConfigs(state, resource, operations);
            return decision.ok && call.request.validateOnly ? accept([], undefined) : decision;
          });
          return {};
        });
        return { results };
      }),

    ElectLeaders: (call, callback) =>
      answer(callback, async () => {
        const request = call.request;
        const type = electionType(request.electionType);
        // Empty means every partition (Kafka's null); that makes sense for preferred elections only.
        const targets = request.topics.length === 0 ? undefined : request.topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
        if (type === 'unclean' && targets === undefined) throw new QuillError('INVALID_REQUEST', 'An unclean election needs the partitions listed.');
        const results = await ctx.active.decide((state) => electLeaders(state, type, targets));
        const byTopic = new Map<string, Array<{ partition: number; errorCode: ErrorCode; errorMessage: string }>>();
        for (const r of results) {
          const partitions = byTopic.get(r.topic) ?? [];
          partitions.push({ partition: r.partition, errorCode: r.errorCode, errorMessage: r.errorMessage ?? '' });
          byTopic.set(r.topic, partitions);
        }
        return { topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) };
      }),

    DescribeCluster: (call, callback) =>
      answer(callback, async () => {
        const state = ctx.metadata.current;
        return {
          clusterId: ctx.clusterId,
          controllerId: ctx.driver.leaderId,
          metadataOffset: state.offset,
          brokers: brokersSortedById(state)
            .filter((b) => call.request.includeFencedBrokers || !b.fenced)
            .map((b) => ({
              brokerId: b.brokerId,
              endpoints: b.endpoints.map((e) => ({ listenerName: e.listenerName, host: e.host, port: e.port })),
              ...(b.rack === undefined ? {} : { rack: b.rack }),
              brokerEpoch: b.brokerEpoch,
              fenced: b.fenced,
              inControlledShutdown: b.inControlledShutdown,
            })),
        };
      }),

    DescribeQuorum: (_call, callback) =>
      answer(callback, async () => {
        if (!ctx.driver.isLeader) throw ctx.active.notController();
        const status = ctx.driver.status();
        const now = Date.now();
        const voters = [...ctx.voters.keys()].sort((a, b) => a - b).map((id) => {
          const match = id === ctx.nodeId ? status.lastIndex : (ctx.driver.followerProgress(id)?.match ?? 0);
          const contact = id === ctx.nodeId ? now : (ctx.lastContactMs.get(id) ?? -1);
          return { replicaId: id, logEndOffset: match, lastFetchTimestampMs: contact, lastCaughtUpTimestampMs: match >= status.commit ? contact : -1, lag: Math.max(0, status.commit - match) };
        });
        const observers = ctx.log.observers().map((o) => ({ replicaId: o.brokerId, logEndOffset: o.offset, lastFetchTimestampMs: o.lastFetchMs, lastCaughtUpTimestampMs: o.offset >= status.commit ? o.lastFetchMs : -1, lag: Math.max(0, status.commit - o.offset) }));
        return { leaderId: status.leaderId, term: status.term, highWatermark: status.commit, voters, observers };
      }),
  };
}

function electionType(type: ElectionType__Output): ElectionType {
  if (type === 'ELECTION_TYPE_PREFERRED') return 'preferred';
  if (type === 'ELECTION_TYPE_UNCLEAN') return 'unclean';
  throw new QuillError('INVALID_REQUEST', `Election type ${type} is not one of PREFERRED, UNCLEAN.`);
}

function configResourceFields(resource: { resourceType: ConfigResourceType__Output; resourceName: string }) {
  return { resourceType: resource.resourceType, resourceName: resource.resourceName };
}

function streamMetadata(
  ctx: ControllerServiceContext,
  call: ServerWritableStream<FetchMetadataRequest__Output, FetchMetadataResponse>,
  leaderHint: () => LeaderHint,
): void {
  const request = call.request;
  const fail = (error: QuillError): void => {
    call.write({ error: { code: error.code, message: error.message }, leaderHint: leaderHint() });
    call.end();
  };
  if (request.clusterId !== ctx.clusterId) {
    fail(new QuillError('INCONSISTENT_CLUSTER_ID', `Cluster '${request.clusterId}' is not '${ctx.clusterId}'.`));
    return;
  }
  ctx.log.follow(call, request.brokerId, request.fromOffset, fail);
}
