import type { BrokerServiceContext } from '../api/broker/context.js';
import type { GroupCoordinator } from '../group-coordinator/group-coordinator.js';

/** The broker operations the Kafka handlers adapt: the same ones the gRPC services answer from. */
export interface KafkaServices {
  /** What the gRPC Broker service's handlers use (replicas, controller client, producer ids, config). */
  broker: BrokerServiceContext;
  /** The group coordinator the gRPC group handlers use. */
  groups: GroupCoordinator;
}
