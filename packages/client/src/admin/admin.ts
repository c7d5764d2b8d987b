import { ErrorCode, QuillError, asQuillError, errorInfo } from '@quill/proto';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, listOffsets, topicPartitionKey, type OffsetAnswer } from '../cluster/index.js';
import { retryContext, type ClientContext } from '../context.js';
import { ClusterSession } from '../cluster/cluster-session.js';
import { isStaleMetadataError, retry } from '../retry/index.js';
import { brokerState } from './broker-state.js';
import { AdminGroups } from './groups.js';
import { AdminRecords } from './records.js';
import type { DeletedRecords, DeleteTopicRecordsOptions, PartitionOffset } from './records-types.js';
import { alterableConfig, configEntry, resultError } from './configs.js';
import type { AlterPartitionReassignmentsOptions, ListPartitionReassignmentsOptions, ListPartitionReassignmentsResult } from './reassignment-types.js';
import { ongoingReassignments, reassignmentRequestTopics, throwReassignmentRefusal } from './reassignments.js';
import {
  aclBindingFilterOf,
  aclBindingOf,
  deleteAclsResult,
  describeAclsResult,
  throwCreateAclsRefusal,
  type AclEntry,
  type AclFilter,
  type DeleteAclsResult,
  type DescribeAclsResult,
} from './acls.js';
import {
  alterUserScramCredentialsRequest,
  alterUserScramCredentialsResults,
  userScramCredentialsDescriptions,
  type AlterUserScramCredentialsResult,
  type UserScramCredentialAlteration,
  type UserScramCredentialsDescription,
} from './user-scram-credentials.js';
import type {
  AlterConfigsOptions,
  CreatePartitionsOptions,
  DescribeConfigsOptions,
  DescribeConfigsResult,
  IncrementalAlterConfigsOptions,
} from './config-types.js';
import type {
  FetchOffsetsOptions,
  GroupDescription,
  GroupOverview,
  GroupPartitionOffset,
  ResetOffsetsOptions,
  SetOffsetsOptions,
} from './group-types.js';
import type {
  BrokerState,
  ClusterDescription,
  CreateTopicsOptions,
  DeleteTopicsOptions,
  ElectLeadersOptions,
  ElectionResult,
  PartitionOffsets,
  QuorumDescription,
  TopicDescription,
} from './types.js';

const DEFAULT_ADMIN_TIMEOUT_MS = 5_000;
/** Extra deadline over the controller-side timeout, so the broker answers before the client gives up. */
const ADMIN_DEADLINE_MARGIN_MS = 5_000;

/**
 * Manages topics and reads cluster metadata. Calls go to any broker, which forwards what needs
 * the controller to the active controller. Get one from `quill.admin()`.
 *
 * @example
 * const admin = quill.admin();
 * await admin.connect();
 * await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 6, replicationFactor: 3 }] });
 * await admin.disconnect();
 */
export class Admin {
  private readonly context: ClientContext;
  private readonly session: ClusterSession;
  private readonly groups: AdminGroups;
  private readonly records: AdminRecords;

  /** @internal Use `quill.admin()`. */
  constructor(context: ClientContext) {
    this.context = context;
    this.session = new ClusterSession(context, 'admin client');
    this.groups = new AdminGroups(context);
    this.records = new AdminRecords(context);
  }

  /** Connects to the cluster (bootstraps metadata). Retries with backoff; rejects when retries run out. */
  async connect(): Promise<void> {
    await this.session.connect();
  }

  /** Closes every connection; calls in flight fail. */
  async disconnect(): Promise<void> {
    await this.session.disconnect();
  }

  /**
   * Creates topics. Resolves true when every topic was created, false when some already
   * existed (the others are created), as KafkaJS does; rejects with the QuillError of any other
   * failure (INVALID_REPLICATION_FACTOR, INVALID_TOPIC_EXCEPTION, ...). With `waitForLeaders`
   * (the default) it resolves once every new partition has a leader.
   */
  async createTopics(options: CreateTopicsOptions): Promise<boolean> {
    const signal = this.signal();
    const { topics, validateOnly = false, waitForLeaders = true, timeout = DEFAULT_ADMIN_TIMEOUT_MS } = options;
    if (topics.length === 0) throw new QuillError(ErrorCode.INVALID_REQUEST, 'createTopics needs at least one topic');
    const names = topics.map((t) => t.topic);
    const duplicate = names.find((name, i) => names.indexOf(name) !== i);
    if (duplicate !== undefined) throw new QuillError(ErrorCode.INVALID_REQUEST, `topic "${duplicate}" is listed twice`);

    const created = new Set<string>();
    const existed = new Set<string>();
    await this.withRetry(signal, 'createTopics', async () => {
      const remaining = topics.filter((t) => !created.has(t.topic) && !existed.has(t.topic));
      const response = await this.context.cluster.anyConnection().request(
        'CreateTopics',
        {
          validateOnly,
          timeoutMs: timeout,
          topics: remaining.map((t) => ({
            name: t.topic,
            numPartitions: t.numPartitions ?? -1,
            replicationFactor: t.replicationFactor ?? -1,
            assignments: (t.replicaAssignment ?? []).map((a) => ({ partition: a.partition, brokerIds: a.replicas })),
            configs: Object.fromEntries((t.configEntries ?? []).map((c) => [c.name, c.value])),
          })),
        },
        this.requestOptions(timeout, signal),
      );
      let retriable: QuillError | undefined;
      for (const result of response.topics) {
        const code = errorInfo(result.errorCode).name;
        // REQUEST_TIMED_OUT here means "created, leaders not elected yet" (see controller.proto).
        if (code === ErrorCode.NONE || code === ErrorCode.REQUEST_TIMED_OUT) created.add(result.name);
        else if (code === ErrorCode.TOPIC_ALREADY_EXISTS) existed.add(result.name);
        else {
          const error = new QuillError(code, `cannot create topic "${result.name}": ${result.errorMessage || code}`);
          if (!error.retriable) throw error;
          retriable = error;
        }
      }
      if (retriable) throw retriable;
    });
    this.context.logger.info({ created: [...created], existed: [...existed], validateOnly }, 'createTopics done');
    if (waitForLeaders && !validateOnly && created.size > 0) await this.waitForLeaders([...created], signal);
    if (created.size > 0) this.context.cluster.markStale('topics created');
    return existed.size === 0;
  }

  /** Deletes topics. Rejects with UNKNOWN_TOPIC_OR_PARTITION when one does not exist. */
  async deleteTopics(options: DeleteTopicsOptions): Promise<void> {
    const signal = this.signal();
    const { topics, timeout = DEFAULT_ADMIN_TIMEOUT_MS } = options;
    if (topics.length === 0) return;
    const deleted = new Set<string>();
    let missing: QuillError | undefined;
    await this.withRetry(signal, 'deleteTopics', async ({ retryCount }) => {
      const remaining = topics.filter((t) => !deleted.has(t));
      const response = await this.context.cluster
        .anyConnection()
        .request('DeleteTopics', { names: remaining, timeoutMs: timeout }, this.requestOptions(timeout, signal));
      let retriable: QuillError | undefined;
      for (const result of response.topics) {
        const code = errorInfo(result.errorCode).name;
        const error = new QuillError(code, `cannot delete topic "${result.name}": ${result.errorMessage || code}`);
        if (code === ErrorCode.NONE) deleted.add(result.name);
        else if (code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
          // On a retry, an earlier attempt whose answer was lost may have deleted it.
          if (retryCount > 0) deleted.add(result.name);
          else missing ??= error;
        } else if (!error.retriable) throw error;
        else retriable = error;
      }
      if (retriable) throw retriable;
    });
    this.context.cluster.removeTargetTopics(deleted);
    this.context.logger.info({ deleted: [...deleted] }, 'deleteTopics done');
    if (missing) throw missing;
  }

  /**
   * Partitions of the given topics (all topics when none are given) with their leader, leader
   * epoch, replicas and in-sync replicas. An unknown topic rejects with UNKNOWN_TOPIC_OR_PARTITION
   * once the retries are used up (a topic just created may take a moment to reach every broker).
   * Without topics, internal ones (__consumer_offsets) are left out unless `includeInternal`.
   */
  async fetchTopicMetadata(options: { topics?: string[]; includeInternal?: boolean } = {}): Promise<{ topics: TopicDescription[] }> {
    const signal = this.signal();
    const asked = options.topics && options.topics.length > 0 ? options.topics : null;
    return this.withRetry(signal, 'fetchTopicMetadata', async () => {
      const metadata = await this.context.cluster.requestMetadata(asked);
      const names = asked ?? [...metadata.topics.values()].filter((t) => options.includeInternal === true || !t.isInternal).map((t) => t.name);
      return {
        topics: names.map((name) => {
          const topic = metadata.topics.get(name);
          if (!topic || topic.errorCode !== ErrorCode.NONE) {
            const code = topic?.errorCode ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
            throw new QuillError(code, `topic "${name}": ${topic?.errorMessage || errorInfo(code).message}`);
          }
          return { name, partitions: topic.partitions };
        }),
      };
    });
  }

  /**
   * Adds partitions to topics: `count` is each topic's new total. Rejects with INVALID_PARTITIONS
   * when a count is not above today's, UNKNOWN_TOPIC_OR_PARTITION for a missing topic.
   */
  async createPartitions(options: CreatePartitionsOptions): Promise<void> {
    const signal = this.signal();
    const { topicPartitions, validateOnly = false, timeout = DEFAULT_ADMIN_TIMEOUT_MS } = options;
    if (topicPartitions.length === 0) return;
    const done = new Set<string>();
    await this.withRetry(signal, 'createPartitions', async () => {
      const remaining = topicPartitions.filter((t) => !done.has(t.topic));
      const response = await this.context.cluster.anyConnection().request(
        'CreatePartitions',
        {
          validateOnly,
          timeoutMs: timeout,
          topics: remaining.map((t) => ({
            name: t.topic,
            count: t.count,
            assignments: (t.assignments ?? []).map((brokerIds, i) => ({ partition: i, brokerIds })),
          })),
        },
        this.requestOptions(timeout, signal),
      );
      let retriable: QuillError | undefined;
      for (const result of response.topics) {
        const code = errorInfo(result.errorCode).name;
        // REQUEST_TIMED_OUT: the partitions exist, their leaders are not elected yet.
        if (code === ErrorCode.NONE || code === ErrorCode.REQUEST_TIMED_OUT) done.add(result.name);
        else {
          const error = new QuillError(code, `cannot add partitions to topic "${result.name}": ${result.errorMessage || code}`);
          if (!error.retriable) throw error;
          retriable = error;
        }
      }
      if (retriable) throw retriable;
    });
    if (!validateOnly) this.context.cluster.markStale('partitions created');
    this.context.logger.info({ topics: [...done], validateOnly }, 'createPartitions done');
  }

  /**
   * The configs of resources (KafkaJS's describeConfigs): each key with its value and where the
   * value comes from. Rejects with the first resource's error (UNKNOWN_TOPIC_OR_PARTITION, ...).
   */
  async describeConfigs(options: DescribeConfigsOptions): Promise<DescribeConfigsResult> {
    const signal = this.signal();
    const response = await this.withRetry(signal, 'describeConfigs', () =>
      this.context.cluster.anyConnection().request(
        'DescribeConfigs',
        { resources: options.resources.map((r) => ({ resourceType: r.type, resourceName: r.name, configNames: r.configNames ?? [] })) },
        this.requestOptions(DEFAULT_ADMIN_TIMEOUT_MS, signal),
      ),
    );
    for (const result of response.results) {
      const error = resultError(result, 'cannot describe the configs of');
      if (error) throw error;
    }
    return {
      resources: response.results.map((r) => ({
        resourceType: r.resourceType as DescribeConfigsResult['resources'][number]['resourceType'],
        resourceName: r.resourceName,
        configEntries: r.configs.map(configEntry),
      })),
    };
  }

  /**
   * Replaces each resource's dynamic configs with `configEntries` (keys left out go back to their
   * defaults), as KafkaJS's alterConfigs. Rejects with the first resource's error (INVALID_CONFIG
   * for an unknown key or a bad value).
   */
  async alterConfigs(options: AlterConfigsOptions): Promise<void> {
    const signal = this.signal();
    const response = await this.withRetry(signal, 'alterConfigs', () =>
      this.context.cluster.anyConnection().request(
        'AlterConfigs',
        {
          validateOnly: options.validateOnly ?? false,
          resources: options.resources.map((r) => ({
            resourceType: r.type,
            resourceName: r.name,
            configs: Object.fromEntries(r.configEntries.map((c) => [c.name, c.value])),
          })),
        },
        this.requestOptions(DEFAULT_ADMIN_TIMEOUT_MS, signal),
      ),
    );
    this.throwFirstAlterError(response.results);
  }

  /** Per-key changes (set, delete, append, subtract); other keys keep their values. Rejects as alterConfigs. */
  async incrementalAlterConfigs(options: IncrementalAlterConfigsOptions): Promise<void> {
    const signal = this.signal();
    const resources = options.resources.map((r) => ({ resourceType: r.type, resourceName: r.name, configs: r.configEntries.map(alterableConfig) }));
    const response = await this.withRetry(signal, 'incrementalAlterConfigs', () =>
      this.context.cluster
        .anyConnection()
        .request('IncrementalAlterConfigs', { validateOnly: options.validateOnly ?? false, resources }, this.requestOptions(DEFAULT_ADMIN_TIMEOUT_MS, signal)),
    );
    this.throwFirstAlterError(response.results);
  }

  /** Names of the topics in the cluster (internal topics left out). */
  async listTopics(): Promise<string[]> {
    const signal = this.signal();
    return this.withRetry(signal, 'listTopics', async () => {
      const metadata = await this.context.cluster.requestMetadata(null);
      return [...metadata.topics.values()].filter((t) => !t.isInternal).map((t) => t.name);
    });
  }

  /**
   * Each partition's offsets: `low` the log start, `high` (and `offset`) the high watermark,
   * where the next message goes. Asks each partition's leader.
   */
  async fetchTopicOffsets(topic: string): Promise<PartitionOffsets[]> {
    const signal = this.signal();
    const { cluster } = this.context;
    return this.withRetry(signal, 'fetchTopicOffsets', async () => {
      await cluster.addTargetTopics([topic]);
      await cluster.refreshMetadataIfNecessary();
      const partitions = cluster.partitionsFor(topic).map((p) => p.partitionId);
      const query = (timestamp: number): Array<{ topic: string; partition: number; timestamp: number }> =>
        partitions.map((partition) => ({ topic, partition, timestamp }));
      const [low, high] = await Promise.all([
        listOffsets(cluster, query(EARLIEST_TIMESTAMP), 'ISOLATION_LEVEL_READ_UNCOMMITTED', signal),
        listOffsets(cluster, query(LATEST_TIMESTAMP), 'ISOLATION_LEVEL_READ_UNCOMMITTED', signal),
      ]);
      return partitions.map((partition) => {
        const key = topicPartitionKey(topic, partition);
        const lowAnswer = answerOrThrow(low.get(key), topic, partition);
        const highAnswer = answerOrThrow(high.get(key), topic, partition);
        return { partition, offset: highAnswer.offset, high: highAnswer.offset, low: lowAnswer.offset };
      });
    });
  }

  /** The brokers, the active controller and the cluster id. */
  async describeCluster(): Promise<ClusterDescription> {
    const signal = this.signal();
    return this.withRetry(signal, 'describeCluster', async () => {
      const metadata = await this.context.cluster.requestMetadata([]);
      return {
        clusterId: metadata.clusterId,
        controller: metadata.controllerId,
        brokers: [...metadata.brokers.values()].map(({ nodeId, host, port }) => ({ nodeId, host, port })),
      };
    });
  }

  /**
   * Every registered broker with its state, fenced ones too, as the active controller knows them
   * (describeCluster lists only the brokers a broker's metadata serves clients from).
   */
  async describeBrokers(): Promise<BrokerState[]> {
    const signal = this.signal();
    const response = await this.withRetry(signal, 'describeBrokers', () =>
      this.context.cluster.anyConnection().request('DescribeCluster', { includeFencedBrokers: true }, { signal }),
    );
    return response.brokers.map(brokerState).sort((a, b) => a.nodeId - b.nodeId);
  }

  /** The controller quorum: its leader, term, high watermark and how far each voter and observer is. */
  async describeMetadataQuorum(): Promise<QuorumDescription> {
    const signal = this.signal();
    const response = await this.withRetry(signal, 'describeMetadataQuorum', () =>
      this.context.cluster.anyConnection().request('DescribeQuorum', {}, { signal }),
    );
    const replica = (r: { replicaId: number; logEndOffset: number; lag: number; lastFetchTimestampMs: number }) => ({
      replicaId: r.replicaId,
      logEndOffset: r.logEndOffset,
      lag: r.lag,
      lastFetchTimestampMs: r.lastFetchTimestampMs,
    });
    return {
      leaderId: response.leaderId,
      term: response.term,
      highWatermark: response.highWatermark,
      voters: response.voters.map(replica),
      observers: response.observers.map(replica),
    };
  }

  /**
   * Elects leaders, as Kafka's AdminClient.electLeaders: `preferred` gives each partition's
   * leadership back to its preferred replica (the first of its replicas) where that replica is in
   * the ISR and serving. Resolves with one result per partition, each with its error code (NONE
   * when a new leader was elected); without `partitions`, every partition is tried and those
   * already led by their preferred replica are left out. Rejects only when the whole request
   * fails (INVALID_REQUEST, or a retriable error once the retries are used up).
   */
  async electLeaders(options: ElectLeadersOptions): Promise<ElectionResult[]> {
    const signal = this.signal();
    const { type, partitions, timeout = DEFAULT_ADMIN_TIMEOUT_MS } = options;
    if (partitions?.length === 0) return [];
    if (type === 'unclean' && partitions === undefined) {
      throw new QuillError(ErrorCode.INVALID_REQUEST, 'an unclean election needs the partitions listed');
    }
    const topics = new Map<string, number[]>();
    for (const { topic, partition } of partitions ?? []) {
      if (!Number.isSafeInteger(partition) || partition < 0) throw new QuillError(ErrorCode.INVALID_REQUEST, `invalid partition ${partition} of topic "${topic}"`);
      topics.set(topic, [...(topics.get(topic) ?? []), partition]);
    }
    const response = await this.withRetry(signal, 'electLeaders', () =>
      this.context.cluster.anyConnection().request(
        'ElectLeaders',
        {
          electionType: type === 'preferred' ? 'ELECTION_TYPE_PREFERRED' : 'ELECTION_TYPE_UNCLEAN',
          topics: [...topics].map(([topic, ids]) => ({ topic, partitions: ids })),
          timeoutMs: timeout,
        },
        this.requestOptions(timeout, signal),
      ),
    );
    const results = response.topics.flatMap((t) =>
      t.partitions.map((p) => {
        const code = errorInfo(p.errorCode).name;
        return { topic: t.topic, partition: p.partition, errorCode: code, ...(p.errorMessage === '' ? {} : { errorMessage: p.errorMessage }) };
      }),
    );
    const elected = results.filter((r) => r.errorCode === ErrorCode.NONE).map((r) => `${r.topic}-${r.partition}`);
    if (elected.length > 0) this.context.cluster.markStale('leaders elected');
    this.context.logger.info({ type, elected }, 'electLeaders done');
    return results;
  }

  /**
   * Moves partitions to new replica sets, or cancels moves (`replicas: null`), as KafkaJS's
   * alterPartitionReassignments. The controller takes all of a request or none of it: the first
   * refusal (INVALID_REPLICA_ASSIGNMENT, REASSIGNMENT_IN_PROGRESS, NO_REASSIGNMENT_IN_PROGRESS,
   * UNKNOWN_TOPIC_OR_PARTITION) rejects the call and nothing moves. Resolves once the moves have
   * started; `listPartitionReassignments` shows them until they complete.
   */
  async alterPartitionReassignments(options: AlterPartitionReassignmentsOptions): Promise<void> {
    const signal = this.signal();
    const timeout = options.timeout ?? DEFAULT_ADMIN_TIMEOUT_MS;
    const topics = reassignmentRequestTopics(options);
    const response = await this.withRetry(signal, 'alterPartitionReassignments', () =>
      this.context.cluster.anyConnection().request('AlterPartitionReassignments', { topics, timeoutMs: timeout }, this.requestOptions(timeout, signal)),
    );
    throwReassignmentRefusal(response);
    this.context.cluster.markStale('partitions reassigned');
  }

  /**
   * Removes a broker's registration, as Kafka's UnregisterBroker, for a broker that is gone for
   * good (its replicas moved away first: `quill brokers decommission`). A broker still running
   * registers again. Rejects with BROKER_ID_NOT_REGISTERED for an unknown broker.
   */
  async unregisterBroker(brokerId: number): Promise<void> {
    const signal = this.signal();
    await this.withRetry(signal, 'unregisterBroker', () =>
      this.context.cluster.anyConnection().request('UnregisterBroker', { brokerId }, this.requestOptions(DEFAULT_ADMIN_TIMEOUT_MS, signal)),
    );
    this.context.cluster.markStale('broker unregistered');
  }

  /** The moves in progress (of the listed partitions, or all), as KafkaJS's listPartitionReassignments. */
  async listPartitionReassignments(options: ListPartitionReassignmentsOptions = {}): Promise<ListPartitionReassignmentsResult> {
    const signal = this.signal();
    const timeout = options.timeout ?? DEFAULT_ADMIN_TIMEOUT_MS;
    const topics = (options.topics ?? []).map(({ topic, partitions }) => ({ topic, partitions }));
    const response = await this.withRetry(signal, 'listPartitionReassignments', () =>
      this.context.cluster.anyConnection().request('ListPartitionReassignments', { topics, timeoutMs: timeout }, this.requestOptions(timeout, signal)),
    );
    return ongoingReassignments(response);
  }

  /**
   * Sets or removes users' SCRAM credentials, as Kafka's Admin.alterUserScramCredentials: the
   * password is salted and hashed here and never sent. One result per user; a user whose
   * alterations include a refused one (UNSUPPORTED_SASL_MECHANISM, UNACCEPTABLE_CREDENTIAL,
   * RESOURCE_NOT_FOUND, DUPLICATE_RESOURCE) keeps its credentials unchanged.
   */
  async alterUserScramCredentials(alterations: readonly UserScramCredentialAlteration[]): Promise<AlterUserScramCredentialsResult[]> {
    const signal = this.signal();
    const request = alterUserScramCredentialsRequest(alterations);
    const response = await this.withRetry(signal, 'alterUserScramCredentials', () =>
      this.context.cluster.anyConnection().request('AlterUserScramCredentials', request, this.requestOptions(DEFAULT_ADMIN_TIMEOUT_MS, signal)),
    );
    return alterUserScramCredentialsResults(response);
  }

  /**
   * The SCRAM mechanisms and iterations of the named users, or of every user with a credential
   * (Kafka's Admin.describeUserScramCredentials). An unknown user gets RESOURCE_NOT_FOUND.
   */
  async describeUserScramCredentials(users: readonly string[] = []): Promise<UserScramCredentialsDescription[]> {
    const signal = this.signal();
    const response = await this.withRetry(signal, 'describeUserScramCredentials', () =>
      this.context.cluster.anyConnection().request('DescribeUserScramCredentials', { users: [...users] }, this.requestOptions(DEFAULT_ADMIN_TIMEOUT_MS, signal)),
    );
    return userScramCredentialsDescriptions(response);
  }

  /**
   * Creates access control entries (KafkaJS's admin.createAcls). An entry that exists already
   * is kept once; an invalid one throws INVALID_REQUEST after the valid ones were stored.
   */
  async createAcls({ acl }: { acl: readonly AclEntry[] }): Promise<true> {
    const signal = this.signal();
    const response = await this.withRetry(signal, 'createAcls', () =>
      this.context.cluster.anyConnection().request('CreateAcls', { creations: acl.map(aclBindingOf) }, this.requestOptions(DEFAULT_ADMIN_TIMEOUT_MS, signal)),
    );
    throwCreateAclsRefusal(response);
    return true;
  }

  /** The access control entries the filter matches, grouped by resource (KafkaJS's admin.describeAcls). */
  async describeAcls(filter: AclFilter = {}): Promise<DescribeAclsResult> {
    const signal = this.signal();
    const response = await this.withRetry(signal, 'describeAcls', () =>
      this.context.cluster.anyConnection().request('DescribeAcls', { filter: aclBindingFilterOf(filter) }, this.requestOptions(DEFAULT_ADMIN_TIMEOUT_MS, signal)),
    );
    return describeAclsResult(response.acls);
  }

  /** Deletes the entries each filter matches, answered per filter (KafkaJS's admin.deleteAcls). */
  async deleteAcls({ filters }: { filters: readonly AclFilter[] }): Promise<DeleteAclsResult> {
    const signal = this.signal();
    const response = await this.withRetry(signal, 'deleteAcls', () =>
      this.context.cluster.anyConnection().request('DeleteAcls', { filters: filters.map(aclBindingFilterOf) }, this.requestOptions(DEFAULT_ADMIN_TIMEOUT_MS, signal)),
    );
    return deleteAclsResult(response);
  }

  /** Every consumer group of the cluster: each broker is asked for the groups it coordinates. */
  async listGroups(): Promise<{ groups: GroupOverview[] }> {
    const signal = this.signal();
    return { groups: await this.withRetry(signal, 'listGroups', () => this.groups.listGroups(signal)) };
  }

  /**
   * Describes groups: state, assignor and members with their decoded assignments. A group
   * that does not exist comes back in state "Dead" with no members, as in Kafka.
   */
  async describeGroups(groupIds: string[]): Promise<{ groups: GroupDescription[] }> {
    const signal = this.signal();
    const groups = await Promise.all(
      groupIds.map((groupId) => this.withRetry(signal, 'describeGroups', () => this.groups.describeGroup(groupId, signal))),
    );
    return { groups };
  }

  /**
   * Deletes groups and their committed offsets. Only groups without members can be deleted:
   * rejects with NON_EMPTY_GROUP (or GROUP_ID_NOT_FOUND) for the first one that could not be,
   * after trying them all.
   */
  async deleteGroups(groupIds: string[]): Promise<Array<{ groupId: string; errorCode: string }>> {
    const signal = this.signal();
    const results = await Promise.all(
      groupIds.map(async (groupId) => {
        try {
          await this.withRetry(signal, 'deleteGroups', () => this.groups.deleteGroup(groupId, signal));
          return { groupId, errorCode: ErrorCode.NONE as string, error: undefined };
        } catch (error) {
          const failure = asQuillError(error);
          return { groupId, errorCode: failure.code as string, error: failure };
        }
      }),
    );
    const failed = results.find((r) => r.error !== undefined);
    if (failed?.error) throw failed.error;
    return results.map(({ groupId, errorCode }) => ({ groupId, errorCode }));
  }

  /**
   * A group's committed offsets per topic, every partition of each (offset -1 where nothing
   * is committed), with each partition's high watermark and the lag behind it. Without
   * `topics`, the topics the group has committed offsets for.
   */
  async fetchOffsets(options: FetchOffsetsOptions): Promise<Array<{ topic: string; partitions: GroupPartitionOffset[] }>> {
    const signal = this.signal();
    const { groupId } = options;
    return this.withRetry(signal, 'fetchOffsets', async () => {
      const topics =
        options.topics ?? [...new Set([...(await this.groups.committedOffsets(groupId, undefined, signal)).values()].map((o) => o.topic))].sort();
      return Promise.all(topics.map(async (topic) => ({ topic, partitions: await this.groups.offsetsWithLag(groupId, topic, signal) })));
    });
  }

  /**
   * Moves a group's committed offsets of every partition of `topic` to the log start
   * (`earliest: true`) or end. The group must have no members (stop its consumers first):
   * the coordinator refuses commits from outside a live group's generation.
   */
  async resetOffsets(options: ResetOffsetsOptions): Promise<void> {
    const signal = this.signal();
    const { groupId, topic } = options;
    await this.withRetry(signal, 'resetOffsets', async () => {
      const ends = await this.groups.topicEnds(topic, options.earliest ? 'earliest' : 'latest', signal);
      await this.groups.commitOffsets(groupId, topic, ends, signal);
    });
    this.context.logger.info({ groupId, topic, to: options.earliest ? 'earliest' : 'latest' }, 'group offsets reset');
  }

  /** Sets a group's committed offsets of some partitions of `topic`. The group must have no members. */
  async setOffsets(options: SetOffsetsOptions): Promise<void> {
    const signal = this.signal();
    const { groupId, topic } = options;
    const offsets = options.partitions.map(({ partition, offset }) => {
      const value = typeof offset === 'string' ? Number(offset) : offset;
      if (!Number.isSafeInteger(value) || value < 0) throw new QuillError(ErrorCode.INVALID_REQUEST, `offset must be a non-negative integer, got ${String(offset)}`);
      if (!Number.isSafeInteger(partition) || partition < 0) throw new QuillError(ErrorCode.INVALID_REQUEST, `invalid partition ${partition}`);
      return { partition, offset: value };
    });
    await this.withRetry(signal, 'setOffsets', () => this.groups.commitOffsets(groupId, topic, offsets, signal));
    this.context.logger.info({ groupId, topic, offsets }, 'group offsets set');
  }

  /**
   * Deletes the records of partitions of `topic` below each one's `offset` (-1: up to the high
   * watermark), as KafkaJS: each partition's leader moves its log start offset. Retries retriable
   * errors (a moved leader) with fresh metadata; rejects with the first other error (an offset past
   * the high watermark is OFFSET_OUT_OF_RANGE). Resolves with each partition's new low watermark.
   */
  async deleteTopicRecords(options: DeleteTopicRecordsOptions): Promise<DeletedRecords[]> {
    const signal = this.signal();
    const wanted = AdminRecords.validate(options);
    const done = new Map<number, number>();
    await this.withRetry(signal, 'deleteTopicRecords', () => this.records.deleteRound(options.topic, wanted, done, signal));
    const results = AdminRecords.results(options.topic, wanted, done);
    this.context.logger.info({ topic: options.topic, results }, 'records deleted');
    return results;
  }

  /**
   * Per partition of `topic`, the earliest offset whose record timestamp is at or after
   * `timestamp` (ms), or the high watermark when no record is that recent or no timestamp is given
   * (KafkaJS's fetchTopicOffsetsByTimestamp).
   */
  async fetchTopicOffsetsByTimestamp(topic: string, timestamp?: number): Promise<PartitionOffset[]> {
    const signal = this.signal();
    return this.withRetry(signal, 'fetchTopicOffsetsByTimestamp', () => this.records.offsetsByTimestamp(topic, timestamp, signal));
  }

  private async waitForLeaders(topics: string[], signal: AbortSignal): Promise<void> {
    await this.withRetry(signal, 'waitForLeaders', async () => {
      const metadata = await this.context.cluster.requestMetadata(topics);
      for (const name of topics) {
        const topic = metadata.topics.get(name);
        if (!topic || topic.errorCode !== ErrorCode.NONE || topic.partitions.length === 0) {
          throw new QuillError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic "${name}" is not in the metadata yet`);
        }
        const leaderless = topic.partitions.find((p) => p.leader < 0);
        if (leaderless) {
          throw new QuillError(ErrorCode.LEADER_NOT_AVAILABLE, `${name}-${leaderless.partitionId} has no leader yet`);
        }
      }
    });
  }

  private throwFirstAlterError(results: Array<{ resourceName: string; errorCode: string; errorMessage: string }>): void {
    for (const result of results) {
      const error = resultError(result, 'cannot alter the configs of');
      if (error) throw error;
    }
    this.context.logger.info({ resources: results.map((r) => r.resourceName) }, 'configs altered');
  }

  private signal(): AbortSignal {
    return this.session.signal();
  }

  private requestOptions(timeoutMs: number, signal: AbortSignal): { timeoutMs: number; signal: AbortSignal } {
    return { timeoutMs: Math.max(this.context.requestTimeoutMs, timeoutMs + ADMIN_DEADLINE_MARGIN_MS), signal };
  }

  private withRetry<T>(
    signal: AbortSignal,
    operation: string,
    fn: (attempt: { retryCount: number }) => Promise<T>,
  ): Promise<T> {
    return retry(
      fn,
      this.context.retry,
      retryContext(this.context, signal, ({ error, retryCount, delayMs }) => {
        if (isStaleMetadataError(error)) this.context.cluster.markStale(error.code);
        this.context.logger.warn({ operation, code: error.code, err: error.message, retryCount, delayMs }, 'admin call failed, retrying');
      }),
    );
  }
}

function answerOrThrow(answer: OffsetAnswer | QuillError | undefined, topic: string, partition: number): OffsetAnswer {
  if (answer === undefined) {
    throw new QuillError(ErrorCode.UNKNOWN_SERVER_ERROR, `no offset answer for ${topic}-${partition}`);
  }
  if (answer instanceof QuillError) throw answer;
  return answer;
}
