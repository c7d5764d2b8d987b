import { liveBrokers, offlineReplicas, partitionsOf, topicByName, topicsSortedByName } from '@quill/metadata';
import type { BrokerHandlers, MetadataRequest__Output, MetadataResponse } from '@quill/proto';
import { unary } from '../unary.js';
import type { BrokerServiceContext } from './context.js';

/** Metadata: brokers and topics from this broker's copy of the metadata log, creating unknown topics first if allowed. */
export function metadataHandler(ctx: BrokerServiceContext): BrokerHandlers['Metadata'] {
  return unary(async (call) => {
    await autoCreateTopics(ctx, call.request);
    return metadataResponse(ctx, call.request);
  });
}

/**
 * auto.create.topics.enable: unknown topics a client asks about (and allows) are created with the
 * broker's defaults. The answer then says LEADER_NOT_AVAILABLE for them until metadata arrives;
 * clients retry.
 */
export async function autoCreateTopics(ctx: BrokerServiceContext, request: MetadataRequest__Output): Promise<void> {
  const state = ctx.replicas.state;
  if (!ctx.config.autoCreateTopicsEnable || !request.allowAutoTopicCreation || state === undefined) return;
  const missing = request.topics.filter((name) => topicByName(state, name) === undefined);
  if (missing.length === 0) return;
  const replicationFactor = Math.max(1, Math.min(ctx.config.defaultReplicationFactor, liveBrokers(state).length));
  await ctx.controller.call('CreateTopics', {
    topics: missing.map((name) => ({ name, numPartitions: ctx.config.numPartitions, replicationFactor })),
  });
  ctx.logger.info({ topics: missing }, 'auto-created topics');
}

/** The answer from this broker's copy of the metadata log; the Kafka listener's Metadata maps it too. */
export function metadataResponse(ctx: BrokerServiceContext, request: MetadataRequest__Output): MetadataResponse {
  const state = ctx.replicas.state;
  if (state === undefined) return { error: { code: 'LEADER_NOT_AVAILABLE', message: 'This broker has not loaded the cluster metadata yet.' } };
  const brokers = liveBrokers(state).map((b) => ({
    brokerId: b.brokerId,
    host: b.endpoints[0]?.host ?? '',
    port: b.endpoints[0]?.port ?? 0,
    ...(b.rack === undefined ? {} : { rack: b.rack }),
  }));
  const wanted = request.allTopics || request.topics.length === 0 ? topicsSortedByName(state).map((t) => t.name) : request.topics;
  const topics = wanted.map((name) => {
    const topic = topicByName(state, name);
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
        offlineReplicas: offlineReplicas(state, p),
      })),
    };
  });
  return { clusterId: ctx.config.clusterId, controllerId: -1, brokers, topics, metadataOffset: state.offset };
}
