import type { PartitionMetadata } from '../cluster/index.js';
import type { Random } from '@quill/random';

/**
 * Kafka's sticky partitioning for records without a key (KIP-480): all of them go to one
 * partition until its batch is closed (full, or taken by the sender), then to another partition
 * picked at random among those with a leader. Batches fill up instead of carrying one record per
 * partition. Pure: the random source is injected.
 */
export class StickyPartitions {
  private readonly current = new Map<string, number>();

  constructor(private readonly random: Random) {}

  /** The topic's sticky partition, picking one on first use (or when it left the topic). */
  partition(topic: string, partitions: readonly PartitionMetadata[]): number {
    const sticky = this.current.get(topic);
    // Partitions are sorted by id, so the usual check is one lookup (this runs once per record).
    if (sticky !== undefined && (partitions[sticky]?.partitionId === sticky || partitions.some((p) => p.partitionId === sticky))) return sticky;
    return this.pick(topic, partitions, undefined);
  }

  /** The sticky partition's batch is closed: move to another partition (the same one only when it is the only choice). */
  next(topic: string, partitions: readonly PartitionMetadata[], previous: number): number {
    return this.pick(topic, partitions, previous);
  }

  private pick(topic: string, partitions: readonly PartitionMetadata[], previous: number | undefined): number {
    if (partitions.length === 0) throw new RangeError(`topic "${topic}" has no partitions`);
    const withLeader = partitions.filter((p) => p.leader >= 0);
    const pool = withLeader.length > 0 ? withLeader : partitions;
    const others = pool.length > 1 && previous !== undefined ? pool.filter((p) => p.partitionId !== previous) : pool;
    const chosen = others[Math.min(others.length - 1, Math.floor(this.random.next() * others.length))]!.partitionId;
    this.current.set(topic, chosen);
    return chosen;
  }
}
