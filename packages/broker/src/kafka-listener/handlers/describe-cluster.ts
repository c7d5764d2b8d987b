import { ApiKeys, type DescribeClusterRequest, type DescribeClusterResponse } from '@quill/kafka-protocol';
import type { DescribeClusterResponse__Output } from '@quill/proto';
import type { KafkaHandler } from '../handler-registry.js';
import { kafkaErrorCodeOf } from '../kafka-error-codes.js';
import type { KafkaServices } from '../kafka-services.js';
import { KAFKA_LISTENER_NAME } from '../listener-name.js';
import { callController } from './controller-call.js';

/** Kafka's "no authorized operations requested" marker. */
const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;
/** DescribeCluster v1's endpoint type of a broker (as opposed to a controller). */
const ENDPOINT_TYPE_BROKER = 1;

/**
 * DescribeCluster: the controller's answer (as the gRPC DescribeCluster), each unfenced broker
 * with its Kafka endpoint; brokers without one are left out, a Kafka client could not reach them.
 */
export function describeClusterHandler(services: KafkaServices): KafkaHandler<DescribeClusterRequest> {
  return {
    apiKey: ApiKeys.DescribeCluster,
    handle: async (): Promise<DescribeClusterResponse> => {
      const cluster = await callController<DescribeClusterResponse__Output>(services, 'DescribeCluster', { includeFencedBrokers: false });
      const brokers = cluster.brokers.flatMap((broker) => {
        const endpoint = broker.endpoints.find((e) => e.listenerName === KAFKA_LISTENER_NAME);
        return endpoint === undefined ? [] : [{ brokerId: broker.brokerId, host: endpoint.host, port: endpoint.port, rack: broker.rack ?? null }];
      });
      return {
        throttleTimeMs: 0,
        errorCode: 0,
        errorMessage: null,
        endpointType: ENDPOINT_TYPE_BROKER,
        clusterId: cluster.clusterId,
        controllerId: kafkaControllerId(cluster.controllerId, brokers.map((b) => b.brokerId)),
        brokers,
        clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
      };
    },
    errorResponse: (error): DescribeClusterResponse => ({
      throttleTimeMs: 0,
      errorCode: kafkaErrorCodeOf(error),
      errorMessage: error instanceof Error ? error.message : String(error),
      endpointType: ENDPOINT_TYPE_BROKER,
      clusterId: '',
      controllerId: -1,
      brokers: [],
      clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
    }),
  };
}

/**
 * The controller id a Kafka client is given: a live broker, as KRaft answers (clients send
 * controller-bound requests to it, and the broker forwards them). Quill's controllers are not
 * brokers, so the active controller's id is kept only when it names a live broker.
 */
export function kafkaControllerId(activeController: number, liveBrokers: readonly number[]): number {
  if (liveBrokers.includes(activeController)) return activeController;
  return liveBrokers.length === 0 ? -1 : Math.min(...liveBrokers);
}
