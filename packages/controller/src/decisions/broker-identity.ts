// Broker-facing requests carry (broker id, broker epoch); a stale incarnation is turned away.
import { ErrorCode } from '@quill/proto';
import type { BrokerRegistration, MetadataState } from '@quill/metadata';
import { reject, type Rejected } from './decision.js';

/** The current registration the request speaks for, or the refusal. */
export function checkBrokerEpoch(state: MetadataState, brokerId: number, brokerEpoch: number): BrokerRegistration | Rejected {
  const broker = state.brokers.get(brokerId);
  if (broker === undefined) return reject(ErrorCode.BROKER_ID_NOT_REGISTERED, `Broker ${brokerId} is not registered.`);
  if (broker.brokerEpoch !== brokerEpoch) {
    return reject(
      ErrorCode.STALE_BROKER_EPOCH,
      `Broker ${brokerId} presented epoch ${brokerEpoch}, but its current registration has epoch ${broker.brokerEpoch}.`,
    );
  }
  return broker;
}

export function isRejected<T extends object>(value: T | Rejected): value is Rejected {
  return 'ok' in value && value.ok === false;
}
