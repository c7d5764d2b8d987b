import { KafkaHandlerRegistry } from '../handler-registry.js';
import type { KafkaApiVersionRange } from '../codec.js';
import type { KafkaServices } from '../kafka-services.js';
import { apiVersionsHandler } from './api-versions.js';
import { alterConfigsHandler } from './alter-configs.js';
import { createPartitionsHandler } from './create-partitions.js';
import { createTopicsHandler } from './create-topics.js';
import { deleteRecordsHandler } from './delete-records.js';
import { deleteTopicsHandler } from './delete-topics.js';
import { deleteGroupsKafkaHandler } from './delete-groups.js';
import { describeClusterHandler } from './describe-cluster.js';
import { describeGroupsKafkaHandler } from './describe-groups.js';
import { findCoordinatorKafkaHandler } from './find-coordinator.js';
import { heartbeatKafkaHandler } from './heartbeat.js';
import { joinGroupKafkaHandler } from './join-group.js';
import { leaveGroupKafkaHandler } from './leave-group.js';
import { listGroupsKafkaHandler } from './list-groups.js';
import { offsetCommitKafkaHandler } from './offset-commit.js';
import { offsetFetchKafkaHandler } from './offset-fetch.js';
import { syncGroupKafkaHandler } from './sync-group.js';
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
  registry.register(findCoordinatorKafkaHandler(services));
  registry.register(joinGroupKafkaHandler(services.groups));
  registry.register(syncGroupKafkaHandler(services.groups));
  registry.register(heartbeatKafkaHandler(services.groups));
  registry.register(leaveGroupKafkaHandler(services.groups));
  registry.register(offsetCommitKafkaHandler(services.groups));
  registry.register(offsetFetchKafkaHandler(services.groups));
  registry.register(describeGroupsKafkaHandler(services.groups));
  registry.register(listGroupsKafkaHandler(services.groups));
  registry.register(deleteGroupsKafkaHandler(services.groups));
  return registry;
}
