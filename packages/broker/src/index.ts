export { BrokerNode } from './broker-node.js';
export { BROKER_HEAP_GROWING_PERCENT, tuneGarbageCollectionForBroker } from './gc-tuning.js';
export { BROKER_GRPC_SECURITY_PROTOCOLS, DEFAULT_BROKER_CONFIG, KAFKA_SECURITY_PROTOCOLS, resolveBrokerConfig, type BrokerConfig, type BrokerConfigInput, type HostPort, type KafkaSecurityProtocol } from './config.js';
export { MIN_SASL_SESSION_LIFETIME_MS, checkSaslSessionLifetimeMs } from './config-checks/grpc-security-checks.js';
export { DEFAULT_KAFKA_SASL_MECHANISMS, KAFKA_SASL_MECHANISMS, parseSaslMechanisms, type KafkaSaslMechanism } from './kafka-listener/sasl/sasl-mechanisms.js';
export { parseSuperUsers } from './kafka-listener/authorization/super-users.js';
export {
  LeaderEpochCache,
  UNDEFINED_EPOCH,
  UNDEFINED_EPOCH_OFFSET,
  readEpochCheckpoint,
  writeEpochCheckpoint,
  type EpochEndOffset,
  type EpochEntry,
} from './replication/leader-epoch-cache.js';
export { LeaderReplicationState, type IsrChange } from './replication/leader-replication-state.js';
export { Purgatory, type DelayedOperation, type WatchOutcome } from './purgatory/purgatory.js';
export { GROUP_METADATA_TOPIC_NAME } from './group-coordinator/offsets-topic.js';
