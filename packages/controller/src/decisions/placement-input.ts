// What replica placement needs from the metadata: the brokers that may take replicas, and how
// loaded each already is.
import { type MetadataState, allPartitions, usableBrokers } from '@quill/metadata';
import type { BrokerLoad, PlacementBroker } from './replica-placement.js';

/** Unfenced brokers not shutting down, by id. */
export function placementBrokers(state: MetadataState): PlacementBroker[] {
  return usableBrokers(state).map((b) => ({ brokerId: b.brokerId, rack: b.rack }));
}

/** Replicas and preferred leaderships (replicas[0]) of each of `brokers` over every partition. */
export function brokerLoads(state: MetadataState, brokers: readonly PlacementBroker[]): Map<number, BrokerLoad> {
  const counts = new Map<number, { replicas: number; leaders: number }>(brokers.map((b) => [b.brokerId, { replicas: 0, leaders: 0 }]));
  for (const partition of allPartitions(state)) {
    partition.replicas.forEach((brokerId, index) => {
      const count = counts.get(brokerId);
      if (count === undefined) return;
      count.replicas += 1;
      if (index === 0) count.leaders += 1;
    });
  }
  return counts;
}
