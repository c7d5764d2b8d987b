import { ErrorCode, QuillError, errorInfo } from '@quill/proto';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, listOffsets, topicPartitionKey } from '../cluster/index.js';
import type { TopicPartition } from '../consumer/types.js';
import type { ClientContext } from '../context.js';
import { decodeAssignment, CONSUMER_PROTOCOL_TYPE } from '../group/consumer-protocol.js';
import { GroupCoordinator, responseErrorCode, type GroupMethod } from '../group/coordinator.js';
import type { BrokerRequest, BrokerResponse } from '../network/index.js';
import type {
  GroupDescription,
  GroupOverview,
  GroupPartitionOffset,
} from './group-types.js';

/** Throws the request-level error of a group response as a QuillError (retriable or not, per the code). */
function throwIfFailed(what: string, response: { error?: { code: string | number; message: string } | null }): void {
  const code = responseErrorCode(response as Parameters<typeof responseErrorCode>[0]);
  if (code !== ErrorCode.NONE) throw new QuillError(code, `${what}: ${response.error?.message || code}`);
}

/**
 * The admin client's group calls, over the coordinator of each group. Each call is one
 * attempt; the admin client wraps it in its retry (a moved coordinator is retriable).
 */
export class AdminGroups {
  private readonly coordinators = new Map<string, GroupCoordinator>();

  constructor(private readonly context: ClientContext) {}

  private call<M extends GroupMethod>(groupId: string, method: M, request: BrokerRequest<M>, signal: AbortSignal): Promise<BrokerResponse<M>> {
    let coordinator = this.coordinators.get(groupId);
    if (!coordinator) {
      coordinator = new GroupCoordinator(this.context, groupId);
      this.coordinators.set(groupId, coordinator);
    }
    return coordinator.call(method, request, { signal });
  }

  /** ListGroups on every broker (each knows only the groups it coordinates), merged. */
  async listGroups(signal: AbortSignal): Promise<GroupOverview[]> {
    const { cluster } = this.context;
    await cluster.refreshMetadataIfNecessary();
    const groups = new Map<string, GroupOverview>();
    await Promise.all(
      cluster.brokerIds().map(async (nodeId) => {
        const response = await cluster.connectionTo(nodeId).request('ListGroups', { statesFilter: [] }, { signal });
        for (const g of response.groups) groups.set(g.groupId, { groupId: g.groupId, protocolType: g.protocolType, state: g.groupState });
      }),
    );
    return [...groups.values()].sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
  }

  async describeGroup(groupId: string, signal: AbortSignal): Promise<GroupDescription> {
    const response = await this.call(groupId, 'DescribeGroups', { groupIds: [groupId] }, signal);
    throwIfFailed(`describing group "${groupId}"`, response);
    const group = response.groups.find((g) => g.groupId === groupId);
    if (!group) throw new QuillError(ErrorCode.UNKNOWN_SERVER_ERROR, `the coordinator did not describe group "${groupId}"`);
    const code = errorInfo(group.errorCode).name;
    // A coordinator that moved is retried by the caller; other per-group codes are reported in the result.
    if (code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS || code === ErrorCode.COORDINATOR_NOT_AVAILABLE) {
      throw new QuillError(code, `describing group "${groupId}": ${group.errorMessage || code}`);
    }
    return {
      groupId,
      state: group.groupState,
      protocolType: group.protocolType,
      protocol: group.protocolName,
      errorCode: code,
      members: group.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId ?? undefined,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberMetadata: m.memberMetadata,
        memberAssignment: m.memberAssignment,
        assignment: group.protocolType === CONSUMER_PROTOCOL_TYPE ? assignedPartitions(m.memberAssignment) : [],
      })),
    };
  }

  /** Deletes one group; rejects with the coordinator's code (NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND, ...). */
  async deleteGroup(groupId: string, signal: AbortSignal): Promise<void> {
    const response = await this.call(groupId, 'DeleteGroups', { groupIds: [groupId] }, signal);
    throwIfFailed(`deleting group "${groupId}"`, response);
    const result = response.results.find((r) => r.groupId === groupId);
    const code = result ? errorInfo(result.errorCode).name : ErrorCode.UNKNOWN_SERVER_ERROR;
    if (code !== ErrorCode.NONE) throw new QuillError(code, `deleting group "${groupId}": ${result?.errorMessage || code}`);
  }

  /** The group's committed offsets (every committed partition when `topics` is undefined). */
  async committedOffsets(
    groupId: string,
    topics: Array<{ topic: string; partitions: number[] }> | undefined,
    signal: AbortSignal,
  ): Promise<Map<string, { topic: string; partition: number; offset: number; metadata: string | null }>> {
    const response = await this.call(groupId, 'OffsetFetch', { groupId, topics: topics ?? [], requireStable: false }, signal);
    throwIfFailed(`fetching the offsets of group "${groupId}"`, response);
    const result = new Map<string, { topic: string; partition: number; offset: number; metadata: string | null }>();
    for (const topic of response.topics) {
      for (const p of topic.partitions) {
        const code = errorInfo(p.errorCode).name;
        if (code !== ErrorCode.NONE) throw new QuillError(code, `offsets of group "${groupId}" on ${topic.name}-${p.partition}: ${p.errorMessage || code}`);
        result.set(topicPartitionKey(topic.name, p.partition), {
          topic: topic.name,
          partition: p.partition,
          offset: p.committedOffset,
          metadata: p.committedMetadata ?? null,
        });
      }
    }
    return result;
  }

  /**
   * Commits offsets outside any generation (generation -1, no member id), as Kafka's
   * reset tools do; the coordinator refuses it while the group has members.
   */
  async commitOffsets(groupId: string, topic: string, offsets: ReadonlyArray<{ partition: number; offset: number }>, signal: AbortSignal): Promise<void> {
    const response = await this.call(
      groupId,
      'OffsetCommit',
      {
        groupId,
        generationId: -1,
        memberId: '',
        topics: [{ name: topic, partitions: offsets.map((o) => ({ partition: o.partition, committedOffset: o.offset, committedLeaderEpoch: -1 })) }],
      },
      signal,
    );
    throwIfFailed(`committing offsets of group "${groupId}"`, response);
    for (const t of response.topics) {
      for (const p of t.partitions) {
        const code = errorInfo(p.errorCode).name;
        if (code === ErrorCode.NONE) continue;
        const hint = code === ErrorCode.UNKNOWN_MEMBER_ID || code === ErrorCode.NON_EMPTY_GROUP ? ' (stop the group\'s consumers first)' : '';
        throw new QuillError(code, `committing offsets of group "${groupId}" on ${t.name}-${p.partition}: ${p.errorMessage || code}${hint}`);
      }
    }
  }

  /** The log start (`earliest`) or end of every partition of `topic`. */
  async topicEnds(topic: string, which: 'earliest' | 'latest', signal: AbortSignal): Promise<Array<{ partition: number; offset: number }>> {
    const { cluster } = this.context;
    await cluster.addTargetTopics([topic]);
    await cluster.refreshMetadataIfNecessary();
    const partitions = cluster.partitionsFor(topic).map((p) => p.partitionId);
    const timestamp = which === 'earliest' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP;
    const answers = await listOffsets(
      cluster,
      partitions.map((partition) => ({ topic, partition, timestamp })),
      'ISOLATION_LEVEL_READ_UNCOMMITTED',
      signal,
    );
    return partitions.map((partition) => {
      const answer = answers.get(topicPartitionKey(topic, partition));
      if (answer === undefined) throw new QuillError(ErrorCode.UNKNOWN_SERVER_ERROR, `no offset answer for ${topic}-${partition}`);
      if (answer instanceof QuillError) throw answer;
      return { partition, offset: answer.offset };
    });
  }

  /** Committed offsets of a topic's partitions with high watermark and lag. */
  async offsetsWithLag(groupId: string, topic: string, signal: AbortSignal): Promise<GroupPartitionOffset[]> {
    const [low, high] = await Promise.all([this.topicEnds(topic, 'earliest', signal), this.topicEnds(topic, 'latest', signal)]);
    const committed = await this.committedOffsets(groupId, [{ topic, partitions: high.map((h) => h.partition) }], signal);
    return high.map(({ partition, offset: end }) => {
      const entry = committed.get(topicPartitionKey(topic, partition));
      const offset = entry?.offset ?? -1;
      const start = low.find((l) => l.partition === partition)?.offset ?? 0;
      return { partition, offset, metadata: entry?.metadata ?? null, high: end, lag: Math.max(0, end - (offset >= 0 ? offset : start)) };
    });
  }
}

/**
 * The partitions of an assignment in our consumer protocol. A Kafka client's group (KafkaJS or
 * librdkafka through the Kafka listener) has the same protocol type but Kafka's own encoding,
 * which we do not read: its raw bytes stay in `memberAssignment` and the decoded list is empty.
 */
function assignedPartitions(bytes: Buffer): TopicPartition[] {
  if (bytes.length === 0) return [];
  try {
    return decodeAssignment(bytes).partitions;
  } catch {
    return [];
  }
}
