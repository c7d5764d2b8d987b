// Automatic preferred-leader rebalancing, as Kafka's auto.leader.rebalance.enable: a broker whose
// share of partitions it is preferred for (first in the replica list) but that another broker leads
// exceeds leader.imbalance.per.broker.percentage gets those leaderships back. The moves are the
// preferred election's, so only a preferred replica in the ISR that may lead takes over.
import { type MetadataState, partitionsOf, topicsSortedByName } from '@quill/metadata';
import { accept, type Accepted } from './decision.js';
import { electLeaders, type ElectionResult, type ElectionTarget } from './elect-leaders.js';

export interface BrokerLeaderImbalance {
  readonly brokerId: number;
  /** Partitions whose preferred replica is this broker. */
  readonly preferredFor: number;
  /** Those of them another broker leads, or no broker does. */
  readonly ledElsewhere: readonly ElectionTarget[];
}

/** Every broker that is the preferred replica of some partition, by id, with the partitions it does not lead. */
export function leaderImbalances(state: MetadataState): BrokerLeaderImbalance[] {
  const byBroker = new Map<number, { preferredFor: number; ledElsewhere: ElectionTarget[] }>();
  for (const topic of topicsSortedByName(state)) {
    for (const partition of partitionsOf(topic)) {
      const preferred = partition.replicas[0];
      if (preferred === undefined) continue;
      const entry = byBroker.get(preferred) ?? { preferredFor: 0, ledElsewhere: [] };
      entry.preferredFor++;
      if (partition.leader !== preferred) entry.ledElsewhere.push({ topic: topic.name, partition: partition.partition });
      byBroker.set(preferred, entry);
    }
  }
  return [...byBroker.entries()].sort(([a], [b]) => a - b).map(([brokerId, entry]) => ({ brokerId, ...entry }));
}

/** Whether a broker's imbalance ratio is above the percentage (strictly, as Kafka). */
export function isImbalanced(imbalance: BrokerLeaderImbalance, imbalancePerBrokerPercentage: number): boolean {
  return imbalance.ledElsewhere.length * 100 > imbalancePerBrokerPercentage * imbalance.preferredFor;
}

/**
 * Elects the preferred leader of every partition of every imbalanced broker that it does not lead.
 * Results name each partition tried: NONE where it moved, PREFERRED_LEADER_NOT_AVAILABLE where its
 * preferred replica cannot lead yet (out of the ISR, fenced, shutting down); every move is in one entry.
 */
export function rebalanceLeaders(state: MetadataState, imbalancePerBrokerPercentage: number): Accepted<ElectionResult[]> {
  const targets = leaderImbalances(state)
    .filter((imbalance) => isImbalanced(imbalance, imbalancePerBrokerPercentage))
    .flatMap((imbalance) => imbalance.ledElsewhere);
  if (targets.length === 0) return accept([], []);
  return electLeaders(state, 'preferred', targets);
}
