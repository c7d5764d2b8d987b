import { KafkaHandlerRegistry } from '../handler-registry.js';
import type { KafkaApiVersionRange } from '../codec.js';
import type { KafkaServices } from '../kafka-services.js';
import { apiVersionsHandler } from './api-versions.js';
import { alterConfigsHandler } from './alter-configs.js';
import { createPartitionsHandler } from './create-partitions.js';
import { createTopicsHandler } from './create-topics.js';
import { deleteRecordsHandler } from './delete-records.js';
import { deleteTopicsHandler } from './delete-topics.js';
import { describeClusterHandler } from './describe-cluster.js';
import { describeConfigsHandler } from './describe-configs.js';
import { incrementalAlterConfigsHandler } from './incremental-alter-configs.js';

/** The registry of every Kafka API this broker serves. Add a handler here to serve its API. */
export function kafkaHandlers(codecVersions: ReadonlyArray<KafkaApiVersionRange>, services: KafkaServices): KafkaHandlerRegistry {
  const registry = new KafkaHandlerRegistry(codecVersions);
  registry.register(apiVersionsHandler(registry));
  registry.register(createTopicsHandler(services));
  registry.register(deleteTopicsHandler(services));
  registry.register(createPartitionsHandler(services));
  registry.register(deleteRecordsHandler(services));
  registry.register(describeConfigsHandler(services));
  registry.register(alterConfigsHandler(services));
  registry.register(incrementalAlterConfigsHandler(services));
  registry.register(describeClusterHandler(services));
  return registry;
}
