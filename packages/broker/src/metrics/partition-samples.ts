import type { MetadataState } from '@quill/metadata';

/** What the partition metrics read of one replica this broker hosts. */
export interface ReplicaView {
  topic: string;
  index: number;
  isLeader: boolean;
  isOffline: boolean;
  replicas: readonly number[];
  isr: readonly number[];
  logEndOffset: number;
  logStartOffset: number;
  highWatermark: number;
  sizeBytes: number;
}

export interface PartitionSamples {
  /** Partitions this broker leads whose ISR is smaller than their replica set. */
  underReplicated: number;
  /** Partitions of the whole cluster without a leader, as this broker's metadata shows them. */
  offline: number;
  leaders: number;
  partitions: number;
  perReplica: readonly ReplicaView[];
}

/** The broker-wide partition gauges, computed from the hosted replicas and the metadata at scrape time. */
export function partitionSamples(replicas: Iterable<ReplicaView>, metadata: MetadataState | undefined): PartitionSamples {
  const perReplica = [...replicas];
  const led = perReplica.filter((r) => r.isLeader && !r.isOffline);
  let offline = 0;
  for (const topic of metadata?.topicsById.values() ?? []) for (const partition of topic.partitions.values()) if (partition.leader < 0) offline++;
  return {
    underReplicated: led.filter((r) => r.isr.length < r.replicas.length).length,
    offline,
    leaders: led.length,
    partitions: perReplica.length,
    perReplica,
  };
}
