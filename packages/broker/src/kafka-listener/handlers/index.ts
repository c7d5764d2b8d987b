import { KafkaHandlerRegistry } from '../handler-registry.js';
import type { KafkaApiVersionRange } from '../codec.js';
import { apiVersionsHandler } from './api-versions.js';

/** The registry of every Kafka API this broker serves. Add a handler here to serve its API. */
export function kafkaHandlers(codecVersions: ReadonlyArray<KafkaApiVersionRange>): KafkaHandlerRegistry {
  const registry = new KafkaHandlerRegistry(codecVersions);
  registry.register(apiVersionsHandler(registry));
  return registry;
}
