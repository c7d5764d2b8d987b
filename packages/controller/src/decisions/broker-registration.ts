// Broker registration and removal. The broker epoch is the metadata offset at which the
// registration record will be committed (as in KRaft): unique, increasing, and known to every
// node that replays the log.
import { ErrorCode } from '@quill/proto';
import { type BrokerEndpoint, type MetadataState, registerBrokerRecord, unregisterBrokerRecord } from '@quill/metadata';
import { accept, reject, type Decision } from './decision.js';
import { removeBrokerFromPartitions } from './leadership-moves.js';

/** Listeners one broker may declare. */
export const BROKER_LISTENERS_MAX = 16;
export const BROKER_ID_MAX = 2 ** 31 - 1;

export interface BrokerRegistrationRequest {
  readonly brokerId: number;
  readonly incarnationId: string;
  readonly listeners: readonly BrokerEndpoint[];
  readonly rack?: string | undefined;
}

export interface RegistrationContext {
  /** The metadata offset the records will be committed at: the new broker epoch. */
  readonly offset: number;
  /**
   * Whether the current registration's heartbeat session is still alive (the controller's
   * timers know, the metadata does not). A different incarnation is then a second process
   * with the same broker id, and is refused.
   */
  readonly previousSessionAlive: boolean;
}

function checkRequest(request: BrokerRegistrationRequest): string | undefined {
  if (!Number.isInteger(request.brokerId) || request.brokerId < 0 || request.brokerId > BROKER_ID_MAX) {
    return `Broker id ${request.brokerId} must be an integer from 0 to ${BROKER_ID_MAX}.`;
  }
  if (request.incarnationId.length === 0) return 'The incarnation id must not be empty.';
  if (request.listeners.length === 0) return 'A broker must declare at least one listener.';
  if (request.listeners.length > BROKER_LISTENERS_MAX) return `A broker may declare at most ${BROKER_LISTENERS_MAX} listeners.`;
  const names = new Set<string>();
  for (const listener of request.listeners) {
    if (names.has(listener.listenerName)) return `Listener ${listener.listenerName} is declared twice.`;
    names.add(listener.listenerName);
    if (listener.host.length === 0) return `Listener ${listener.listenerName} has no host.`;
    if (!Number.isInteger(listener.port) || listener.port < 1 || listener.port > 65535) {
      return `Listener ${listener.listenerName} has port ${listener.port}, outside 1..65535.`;
    }
  }
  if (request.rack !== undefined && request.rack.length === 0) return 'The rack must not be empty (omit it for no rack).';
  return undefined;
}

/**
 * Registers a broker, fenced until it has caught up with the metadata log. The same incarnation
 * registering again gets its existing epoch back (a retried request). A new incarnation
 * replaces the old one: the old one is taken out of every ISR and leadership first, since
 * whatever it held in memory is gone.
 */
export function registerBroker(
  state: MetadataState,
  request: BrokerRegistrationRequest,
  context: RegistrationContext,
): Decision<{ brokerEpoch: number }> {
  const problem = checkRequest(request);
  if (problem !== undefined) return reject(ErrorCode.INVALID_REQUEST, problem);
  const previous = state.brokers.get(request.brokerId);
  if (previous?.incarnationId === request.incarnationId) return accept([], { brokerEpoch: previous.brokerEpoch });
  if (previous !== undefined && context.previousSessionAlive) {
    return reject(
      ErrorCode.DUPLICATE_BROKER_REGISTRATION,
      `Broker ${request.brokerId} is already registered by incarnation ${previous.incarnationId}, whose session is still alive.`,
    );
  }
  if (context.offset <= state.offset) {
    throw new RangeError(`registration offset ${context.offset} is not past the metadata offset ${state.offset}`);
  }
  const records = previous === undefined ? [] : removeBrokerFromPartitions(state, request.brokerId);
  records.push(
    registerBrokerRecord({
      brokerId: request.brokerId,
      incarnationId: request.incarnationId,
      brokerEpoch: context.offset,
      endpoints: request.listeners,
      rack: request.rack,
      fenced: true,
    }),
  );
  return accept(records, { brokerEpoch: context.offset });
}

/** Removes a broker's registration (an admin operation), after moving it out of every partition. */
export function unregisterBroker(state: MetadataState, brokerId: number): Decision<void> {
  const broker = state.brokers.get(brokerId);
  if (broker === undefined) return reject(ErrorCode.BROKER_ID_NOT_REGISTERED, `Broker ${brokerId} is not registered.`);
  return accept([...removeBrokerFromPartitions(state, brokerId), unregisterBrokerRecord(brokerId, broker.brokerEpoch)], undefined);
}
