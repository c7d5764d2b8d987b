import { KafkaHandlerRegistry } from '../handler-registry.js';
import type { KafkaApiVersionRange } from '../codec.js';
import type { KafkaServices } from '../kafka-services.js';
import { apiVersionsHandler } from './api-versions.js';
import { describeClusterHandler } from './describe-cluster.js';

/** The registry of every Kafka API this broker serves. Add a handler here to serve its API. */
export function kafkaHandlers(codecVersions: ReadonlyArray<KafkaApiVersionRange>, services: KafkaServices): KafkaHandlerRegistry {
  const registry = new KafkaHandlerRegistry(codecVersions);
  registry.register(apiVersionsHandler(registry));
  registry.register(describeClusterHandler(services));
  return registry;
}
