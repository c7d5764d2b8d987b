import { errorInfo, type ErrorCode, type MetadataResponse__Output } from '@quill/proto';

/** A broker as the cluster metadata describes it. */
export interface BrokerMetadata {
  nodeId: number;
  host: string;
  port: number;
  /** The broker's rack, or null when it has none. */
  rack: string | null;
  /** `host:port`, the key of its connection. */
  address: string;
}

/** One partition of a topic: who leads it, in which epoch, and where its replicas are. */
export interface PartitionMetadata {
  partitionId: number;
  /** Node id of the leader, -1 while there is none (an election is in progress). */
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  /** In-sync replicas, the leader included. */
  isr: number[];
  /** Replicas on fenced or unregistered brokers. */
  offlineReplicas: number[];
  /** NONE, or why the partition is not usable right now (e.g. LEADER_NOT_AVAILABLE). */
  partitionErrorCode: ErrorCode;
}

/** One topic with its partitions, sorted by partition id. */
export interface TopicMetadata {
  name: string;
  topicId: string;
  isInternal: boolean;
  /** NONE, or why the topic is not usable (UNKNOWN_TOPIC_OR_PARTITION, INVALID_TOPIC_EXCEPTION, ...). */
  errorCode: ErrorCode;
  errorMessage: string;
  partitions: PartitionMetadata[];
}

/** What one Metadata answer says about the cluster. Immutable: a refresh replaces it. */
export interface ClusterMetadata {
  clusterId: string;
  /** The active controller's node id (informational: admin calls go to any broker). */
  controllerId: number;
  /** Position in the metadata log this answer reflects; answers older than the one held are dropped. */
  metadataOffset: number;
  /** Unfenced brokers by node id. */
  brokers: ReadonlyMap<number, BrokerMetadata>;
  /** The topics asked for, by name (including those answered with an error). */
  topics: ReadonlyMap<string, TopicMetadata>;
}

/** `host:port`, with brackets around an IPv6 host. */
export function formatAddress(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Reads a Metadata response into the client's model. */
export function parseMetadataResponse(response: MetadataResponse__Output): ClusterMetadata {
  const brokers = new Map<number, BrokerMetadata>();
  for (const b of response.brokers) {
    brokers.set(b.brokerId, {
      nodeId: b.brokerId,
      host: b.host,
      port: b.port,
      rack: b.rack ?? null,
      address: formatAddress(b.host, b.port),
    });
  }
  const topics = new Map<string, TopicMetadata>();
  for (const t of response.topics) {
    const partitions = t.partitions
      .map(
        (p): PartitionMetadata => ({
          partitionId: p.partition,
          leader: p.leaderId,
          leaderEpoch: p.leaderEpoch,
          replicas: [...p.replicas],
          isr: [...p.isr],
          offlineReplicas: [...p.offlineReplicas],
          partitionErrorCode: errorInfo(p.errorCode).name,
        }),
      )
      .sort((a, b) => a.partitionId - b.partitionId);
    topics.set(t.name, {
      name: t.name,
      topicId: t.topicId,
      isInternal: t.isInternal,
      errorCode: errorInfo(t.errorCode).name,
      errorMessage: t.errorMessage,
      partitions,
    });
  }
  return {
    clusterId: response.clusterId,
    controllerId: response.controllerId,
    metadataOffset: response.metadataOffset,
    brokers,
    topics,
  };
}
