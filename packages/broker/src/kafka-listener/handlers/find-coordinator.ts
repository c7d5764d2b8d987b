import { ApiKeys, type FindCoordinatorRequest, type FindCoordinatorResponse, type FindCoordinatorResponseCoordinator } from '@quill/kafka-protocol';
import type { MetadataState } from '@quill/metadata';
import type { Coordinator } from '@quill/proto';
import type { KafkaHandler } from '../handler-registry.js';
import { kafkaErrorCode, kafkaErrorCodeOf } from '../kafka-error-codes.js';
import type { KafkaServices } from '../kafka-services.js';
import { KAFKA_LISTENER_NAME } from '../listener-name.js';

const KEY_TYPE_GROUP = 0;
const KEY_TYPE_TRANSACTION = 1;
/** The first version carrying batched coordinator keys (KIP-699). */
const BATCHED_FROM_VERSION = 4;

type Located = Omit<FindCoordinatorResponseCoordinator, 'key'>;
const failed = (errorCode: number, errorMessage: string): Located => ({ nodeId: -1, host: '', port: -1, errorCode, errorMessage });

/**
 * FindCoordinator: the group coordinator of each key through the coordinator's own lookup (which
 * creates __consumer_offsets on first use), answered with the coordinator's Kafka endpoint rather
 * than its gRPC one. There is no transaction coordinator: such keys get COORDINATOR_NOT_AVAILABLE.
 */
export function findCoordinatorKafkaHandler(services: Pick<KafkaServices, 'groups' | 'broker'>): KafkaHandler<FindCoordinatorRequest> {
  const locate = async (keyType: number, keys: string[]): Promise<Located[]> => {
    if (keyType === KEY_TYPE_TRANSACTION) return keys.map(() => failed(kafkaErrorCode('COORDINATOR_NOT_AVAILABLE'), 'Transactions are not supported, so there is no transaction coordinator.'));
    if (keyType !== KEY_TYPE_GROUP) return keys.map(() => failed(kafkaErrorCode('INVALID_REQUEST'), `Unknown coordinator key type ${keyType}.`));
    const response = await services.groups.findCoordinator(keys);
    if (response.error != null && response.error.code !== 'NONE') return keys.map(() => failed(kafkaErrorCode(response.error!.code), response.error!.message ?? ''));
    const state = services.broker.replicas.state;
    return keys.map((_, i) => kafkaCoordinator(state, response.coordinators?.[i]));
  };
  return {
    apiKey: ApiKeys.FindCoordinator,
    handle: async (request, { header }): Promise<FindCoordinatorResponse> => {
      const keyType = request.keyType ?? KEY_TYPE_GROUP;
      if (header.apiVersion >= BATCHED_FROM_VERSION) {
        const keys = request.coordinatorKeys ?? [];
        const located = await locate(keyType, keys);
        return { throttleTimeMs: 0, coordinators: keys.map((key, i) => ({ key, ...located[i]! })) };
      }
      const [one] = await locate(keyType, [request.key ?? '']);
      return { throttleTimeMs: 0, ...one! };
    },
    errorResponse: (error, request, { header }): FindCoordinatorResponse => {
      const answer = failed(kafkaErrorCodeOf(error), error instanceof Error ? error.message : '');
      if (header.apiVersion < BATCHED_FROM_VERSION) return { throttleTimeMs: 0, ...answer };
      return { throttleTimeMs: 0, coordinators: (request.coordinatorKeys ?? []).map((key) => ({ key, ...answer })) };
    },
  };
}

/** The coordinator's Kafka listener, or COORDINATOR_NOT_AVAILABLE when it has none. */
function kafkaCoordinator(state: MetadataState | undefined, coordinator: Coordinator | undefined): Located {
  if (coordinator === undefined) return failed(kafkaErrorCode('COORDINATOR_NOT_AVAILABLE'), 'No coordinator was found.');
  if (coordinator.errorCode !== undefined && coordinator.errorCode !== 'NONE') return failed(kafkaErrorCode(coordinator.errorCode), coordinator.errorMessage ?? '');
  const nodeId = coordinator.nodeId ?? -1;
  const endpoint = state?.brokers.get(nodeId)?.endpoints.find((e) => e.listenerName === KAFKA_LISTENER_NAME);
  if (endpoint === undefined) return failed(kafkaErrorCode('COORDINATOR_NOT_AVAILABLE'), `Broker ${nodeId} coordinates the group but has no Kafka listener.`);
  return { nodeId, host: endpoint.host, port: endpoint.port, errorCode: 0, errorMessage: null };
}
