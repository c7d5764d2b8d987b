// Broker heartbeats drive the broker's state: fenced -> unfenced once caught up with the
// metadata log; controlled shutdown when asked (leaderships moved away on the first such
// heartbeat, fenced and told it may stop on the next); fenced on request.
import { ErrorCode } from '@quill/proto';
import { type BrokerRegistration, type MetadataState, brokerShutdownRecord, unfenceBrokerRecord } from '@quill/metadata';
import { accept, reject, type Decision } from './decision.js';
import { checkBrokerEpoch, isRejected } from './broker-identity.js';
import { fenceRecords } from './broker-session.js';
import { electLeadersWithBroker, moveLeadershipsAway } from './leadership-moves.js';

export interface BrokerHeartbeatRequest {
  readonly brokerId: number;
  readonly brokerEpoch: number;
  /** The last metadata offset the broker has applied. */
  readonly metadataOffset: number;
  readonly wantFence: boolean;
  readonly wantShutdown: boolean;
}

export interface HeartbeatContext {
  /** The controller's committed metadata offset: a broker that has applied it is caught up. */
  readonly highWatermark: number;
}

export interface HeartbeatReply {
  readonly isCaughtUp: boolean;
  /** The broker's fencing once the decision's records are applied. */
  readonly isFenced: boolean;
  /** Controlled shutdown is complete: the process may exit. */
  readonly shouldShutdown: boolean;
}

function controlledShutdown(state: MetadataState, broker: BrokerRegistration, isCaughtUp: boolean): Decision<HeartbeatReply> {
  if (broker.fenced) return accept([], { isCaughtUp, isFenced: true, shouldShutdown: true });
  if (!broker.inControlledShutdown) {
    const records = [brokerShutdownRecord(broker.brokerId, broker.brokerEpoch), ...moveLeadershipsAway(state, broker.brokerId)];
    return accept(records, { isCaughtUp, isFenced: false, shouldShutdown: false });
  }
  // Its leaderships were moved when the shutdown started, and it has been ineligible to lead
  // since: leave the ISRs (so acks=all produces do not wait for it) and stop.
  return accept(fenceRecords(state, broker), { isCaughtUp, isFenced: true, shouldShutdown: true });
}

export function brokerHeartbeat(state: MetadataState, request: BrokerHeartbeatRequest, context: HeartbeatContext): Decision<HeartbeatReply> {
  const broker = checkBrokerEpoch(state, request.brokerId, request.brokerEpoch);
  if (isRejected(broker)) return broker;
  if (!Number.isSafeInteger(request.metadataOffset) || request.metadataOffset < 0) {
    return reject(ErrorCode.INVALID_REQUEST, `Metadata offset ${request.metadataOffset} is not a valid offset.`);
  }
  const isCaughtUp = request.metadataOffset >= context.highWatermark;
  if (request.wantShutdown) return controlledShutdown(state, broker, isCaughtUp);
  if (request.wantFence) {
    const records = broker.fenced ? [] : fenceRecords(state, broker);
    return accept(records, { isCaughtUp, isFenced: true, shouldShutdown: false });
  }
  if (broker.fenced && isCaughtUp && !broker.inControlledShutdown) {
    const records = [unfenceBrokerRecord(broker.brokerId, broker.brokerEpoch), ...electLeadersWithBroker(state, broker.brokerId)];
    return accept(records, { isCaughtUp, isFenced: false, shouldShutdown: false });
  }
  return accept([], { isCaughtUp, isFenced: broker.fenced, shouldShutdown: false });
}
