import type { Partition } from '../replication/partition.js';
import type { ReplicaView } from './partition-samples.js';

/** The metrics' view of each hosted replica, read at scrape time. */
export function* replicaViews(hosted: Iterable<{ topic: string; index: number; partition: Partition }>): IterableIterator<ReplicaView> {
  for (const { topic, index, partition } of hosted) {
    yield {
      topic,
      index,
      isLeader: partition.isLeader,
      isOffline: partition.isOffline,
      replicas: partition.replicas,
      isr: partition.isr,
      logEndOffset: partition.log.logEndOffset,
      logStartOffset: partition.log.logStartOffset,
      highWatermark: partition.highWatermark,
      sizeBytes: partition.log.sizeInBytes,
    };
  }
}
