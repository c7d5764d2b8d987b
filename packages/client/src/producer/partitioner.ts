import type { Random } from '@quill/random';
import { partitionForKey } from '@quill/records';
import type { Partitioner, PartitionerFactory } from './types.js';

/**
 * Kafka's default partitioning: a non-null key goes to `toPositive(murmur2(key)) % partitions`
 * (over all partitions, available or not, so a key never moves while its leader is down); a
 * null key goes round-robin over the partitions that have a leader (all of them when none has).
 *
 * The producer does not use it unless passed as `createPartitioner`: by default it places keyed
 * records the same way and null keys with sticky partitioning (StickyPartitions), which fills
 * batches. This one stays for KafkaJS code that names it.
 */
export function createDefaultPartitioner(random?: Pick<Random, 'next'>): Partitioner {
  const counters = new Map<string, number>();
  return ({ topic, partitionMetadata, message }) => {
    if (partitionMetadata.length === 0) throw new RangeError(`topic "${topic}" has no partitions`);
    const key = message.key;
    if (key !== null && key !== undefined) {
      return partitionForKey(key, partitionMetadata.length);
    }
    const available = partitionMetadata.filter((p) => p.leader >= 0);
    const candidates = available.length > 0 ? available : partitionMetadata;
    const counter = counters.get(topic) ?? Math.floor((random?.next() ?? 0) * candidates.length);
    counters.set(topic, (counter + 1) % Number.MAX_SAFE_INTEGER);
    return candidates[counter % candidates.length]!.partitionId;
  };
}

/** Partitioners by KafkaJS's names. */
export const Partitioners: { DefaultPartitioner: PartitionerFactory } = {
  DefaultPartitioner: () => createDefaultPartitioner(),
};
