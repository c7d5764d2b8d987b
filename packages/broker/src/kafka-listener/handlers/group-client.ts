import type { ClientIdentity } from '../../group-coordinator/group-coordinator.js';
import type { KafkaRequestContext } from '../handler-registry.js';

/** The client id from the request header, and the peer host as Kafka shows it ("/127.0.0.1"). */
export function kafkaClientOf(context: KafkaRequestContext): ClientIdentity {
  const host = context.clientAddress.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  return { clientId: context.header.clientId ?? '', clientHost: `/${host}` };
}

/** A Kafka nullable string as the coordinator's optional one (absent rather than null). */
export function optionalString(value: string | null | undefined): { groupInstanceId?: string } {
  return value === null || value === undefined ? {} : { groupInstanceId: value };
}

/** Kafka's int64 from a proto int64 (numbers here: the proto loader reads longs as Number). */
export function toInt64(value: number | string | { toString(): string } | undefined): bigint {
  return value === undefined ? -1n : BigInt(value.toString());
}
