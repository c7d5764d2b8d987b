// A broker that missed heartbeats for broker.session.timeout.ms is fenced: it may hold stale
// leaderships, and producers waiting on it as an ISR member would otherwise stall.
import { ErrorCode } from '@quill/proto';
import { type BrokerRegistration, type MetadataRecord, type MetadataState, fenceBrokerRecord } from '@quill/metadata';
import { accept, reject, type Decision } from './decision.js';
import { removeBrokerFromPartitions } from './leadership-moves.js';

/** Out of every ISR and leadership, then fenced. */
export function fenceRecords(state: MetadataState, broker: BrokerRegistration): MetadataRecord[] {
  return [...removeBrokerFromPartitions(state, broker.brokerId), fenceBrokerRecord(broker.brokerId, broker.brokerEpoch)];
}

export function expireBrokerSession(state: MetadataState, brokerId: number): Decision<void> {
  const broker = state.brokers.get(brokerId);
  if (broker === undefined) return reject(ErrorCode.BROKER_ID_NOT_REGISTERED, `Broker ${brokerId} is not registered.`);
  if (broker.fenced) return accept([], undefined);
  return accept(fenceRecords(state, broker), undefined);
}
