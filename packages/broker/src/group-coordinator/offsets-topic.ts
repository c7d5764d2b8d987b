import { liveBrokerEndpoint, liveBrokers, topicByName, type MetadataState } from '@quill/metadata';
import type { CreateTopicsRequest, CreateTopicsResponse__Output, ErrorCode, FindCoordinatorResponse } from '@quill/proto';
import { partitionForKey } from '@quill/records';
import type { Logger } from 'pino';
import type { BrokerConfig } from '../config.js';
import { toQuillError } from '../errors.js';
import type { ReplicaManager } from '../replica-manager/replica-manager.js';

/** The internal topic holding group metadata and committed offsets. */
export const GROUP_METADATA_TOPIC_NAME = '__consumer_offsets';

export interface OffsetsTopicDeps {
  config: BrokerConfig;
  replicas: Pick<ReplicaManager, 'state'>;
  /** CreateTopics on the active controller (for __consumer_offsets on first use). */
  createTopics: (request: CreateTopicsRequest) => Promise<CreateTopicsResponse__Output>;
  logger: Logger;
}

type Failure = { code: ErrorCode; message: string };

/**
 * Where groups live: each group's partition of __consumer_offsets and the broker leading it
 * (FindCoordinator), creating the topic on first use as Kafka does.
 */
export class OffsetsTopic {
  private creatingTopic: Promise<void> | undefined;

  constructor(private readonly deps: OffsetsTopicDeps) {}

  async findCoordinator(keys: readonly string[]): Promise<FindCoordinatorResponse> {
    const state = this.deps.replicas.state;
    if (state === undefined) return { error: { code: 'COORDINATOR_NOT_AVAILABLE', message: 'This broker has not loaded the cluster metadata yet.' } };
    if (topicByName(state, GROUP_METADATA_TOPIC_NAME) === undefined) {
      try {
        await this.create(state);
      } catch (error) {
        const e = toQuillError(error);
        this.deps.logger.warn({ err: e.message }, `creating ${GROUP_METADATA_TOPIC_NAME} failed`);
      }
    }
    const current = this.deps.replicas.state ?? state;
    return {
      coordinators: keys.map((key) => {
        const located = this.locate(current, key);
        if ('code' in located) return { key, nodeId: -1, host: '', port: -1, errorCode: located.code, errorMessage: located.message };
        return { key, nodeId: located.brokerId, host: located.host, port: located.port, errorCode: 'NONE', errorMessage: '' };
      }),
    };
  }

  /** The partition of the group (Kafka's toPositive(murmur2(groupId)) % partitions). */
  partitionFor(groupId: string): number {
    const state = this.deps.replicas.state;
    const count = state === undefined ? undefined : topicByName(state, GROUP_METADATA_TOPIC_NAME)?.partitions.size;
    return partitionForKey(groupId, count ?? this.deps.config.offsetsTopicNumPartitions);
  }

  private locate(state: MetadataState, key: string): { brokerId: number; host: string; port: number } | Failure {
    if (key === '') return { code: 'INVALID_GROUP_ID', message: 'The group id must not be empty.' };
    const topic = topicByName(state, GROUP_METADATA_TOPIC_NAME);
    if (topic === undefined) return { code: 'COORDINATOR_NOT_AVAILABLE', message: `${GROUP_METADATA_TOPIC_NAME} is being created.` };
    const leader = topic.partitions.get(partitionForKey(key, topic.partitions.size))?.leader ?? -1;
    const endpoint = liveBrokerEndpoint(state, leader);
    if (endpoint === undefined) {
      return { code: 'COORDINATOR_NOT_AVAILABLE', message: `The coordinator partition of ${key} has no live leader.` };
    }
    return { brokerId: leader, host: endpoint.host, port: endpoint.port };
  }

  /** Kafka creates the offsets topic on the first FindCoordinator; a concurrent creation is fine. */
  private create(state: MetadataState): Promise<void> {
    this.creatingTopic ??= (async () => {
      const replicationFactor = Math.max(1, Math.min(this.deps.config.offsetsTopicReplicationFactor, liveBrokers(state).length));
      const response = await this.deps.createTopics({
        topics: [
          {
            name: GROUP_METADATA_TOPIC_NAME,
            numPartitions: this.deps.config.offsetsTopicNumPartitions,
            replicationFactor,
            configs: { 'cleanup.policy': 'compact' },
          },
        ],
      });
      const result = response.topics[0];
      const requestFailed = response.error !== null && response.error.code !== 'NONE';
      const code = requestFailed ? response.error!.code : (result?.errorCode ?? 'NONE');
      if (code !== 'NONE' && code !== 'TOPIC_ALREADY_EXISTS') throw new Error(`${code}: ${requestFailed ? response.error!.message : (result?.errorMessage ?? '')}`);
      this.deps.logger.info({ partitions: this.deps.config.offsetsTopicNumPartitions, replicationFactor }, `created ${GROUP_METADATA_TOPIC_NAME}`);
    })().finally(() => {
      this.creatingTopic = undefined;
    });
    return this.creatingTopic;
  }
}
