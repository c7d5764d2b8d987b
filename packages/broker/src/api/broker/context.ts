import type { ControllerClient } from '@quill/metadata';
import type { Logger } from 'pino';
import type { BrokerConfig } from '../../config.js';
import type { ProducerIdManager } from '../../producer-state/producer-id-manager.js';
import type { ReplicaManager } from '../../replica-manager/replica-manager.js';

/** What the client-facing Broker service's handlers answer from. */
export interface BrokerServiceContext {
  config: BrokerConfig;
  replicas: ReplicaManager;
  controller: ControllerClient;
  producerIds: ProducerIdManager;
  logger: Logger;
}
