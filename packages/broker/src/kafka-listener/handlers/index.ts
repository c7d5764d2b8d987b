import { KafkaHandlerRegistry, type HandlerGuard } from '../handler-registry.js';
import type { KafkaApiVersionRange } from '../codec.js';
import type { KafkaServices } from '../kafka-services.js';
import { apiVersionsHandler } from './api-versions.js';
import { alterConfigsHandler } from './alter-configs.js';
import { alterUserScramCredentialsHandler } from './alter-user-scram-credentials.js';
import { createAclsHandler, deleteAclsHandler, describeAclsHandler } from './acls.js';
import { createPartitionsHandler } from './create-partitions.js';
import { createTopicsHandler } from './create-topics.js';
import { deleteRecordsHandler } from './delete-records.js';
import { deleteTopicsHandler } from './delete-topics.js';
import { deleteGroupsKafkaHandler } from './delete-groups.js';
import { describeClusterHandler } from './describe-cluster.js';
import { describeConfigsHandler } from './describe-configs.js';
import { describeUserScramCredentialsHandler } from './describe-user-scram-credentials.js';
import { incrementalAlterConfigsHandler } from './incremental-alter-configs.js';
import { fetchKafkaHandler } from './fetch.js';
import { listOffsetsKafkaHandler } from './list-offsets.js';
import { offsetForLeaderEpochKafkaHandler } from './offset-for-leader-epoch.js';
import { describeGroupsKafkaHandler } from './describe-groups.js';
import { findCoordinatorKafkaHandler } from './find-coordinator.js';
import { heartbeatKafkaHandler } from './heartbeat.js';
import { initProducerIdKafkaHandler } from './init-producer-id.js';
import { joinGroupKafkaHandler } from './join-group.js';
import { leaveGroupKafkaHandler } from './leave-group.js';
import { listGroupsKafkaHandler } from './list-groups.js';
import { metadataKafkaHandler } from './metadata.js';
import { offsetCommitKafkaHandler } from './offset-commit.js';
import { offsetFetchKafkaHandler } from './offset-fetch.js';
import { produceKafkaHandler } from './produce.js';
import { saslAuthenticateKafkaHandler, type SaslAuthenticateDeps } from './sasl-authenticate.js';
import { saslHandshakeKafkaHandler } from './sasl-handshake.js';
import { syncGroupKafkaHandler } from './sync-group.js';

/**
 * The registry of every Kafka API this broker serves. Add a handler here to serve its API.
 * `sasl`: on a SASL listener, SaslHandshake and SaslAuthenticate are served too.
 * `guard`: wraps every handler (the authorizer's checks when one is on).
 */
export function kafkaHandlers(codecVersions: ReadonlyArray<KafkaApiVersionRange>, services: KafkaServices, sasl?: SaslAuthenticateDeps, guard?: HandlerGuard): KafkaHandlerRegistry {
  const registry = new KafkaHandlerRegistry(codecVersions, guard);
  registry.register(apiVersionsHandler(registry));
  if (sasl !== undefined) {
    registry.register(saslHandshakeKafkaHandler());
    registry.register(saslAuthenticateKafkaHandler(sasl));
  }
  registry.register(createTopicsHandler(services));
  registry.register(deleteTopicsHandler(services));
  registry.register(createPartitionsHandler(services));
  registry.register(deleteRecordsHandler(services));
  registry.register(describeConfigsHandler(services));
  registry.register(alterConfigsHandler(services));
  registry.register(incrementalAlterConfigsHandler(services));
  registry.register(describeClusterHandler(services));
  registry.register(describeUserScramCredentialsHandler(services));
  registry.register(alterUserScramCredentialsHandler(services));
  registry.register(createAclsHandler(services));
  registry.register(describeAclsHandler(services));
  registry.register(deleteAclsHandler(services));
  registry.register(metadataKafkaHandler(services.broker));
  registry.register(produceKafkaHandler(services.broker));
  registry.register(initProducerIdKafkaHandler(services.broker));
  registry.register(fetchKafkaHandler(services.broker));
  registry.register(listOffsetsKafkaHandler(services.broker));
  registry.register(offsetForLeaderEpochKafkaHandler(services.broker));
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
