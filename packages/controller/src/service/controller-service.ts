import type { ControllerHandlers } from '@quill/proto';
import type { ControllerServiceContext } from './context.js';
import { allocateProducerIdsHandler } from './handlers/allocate-producer-ids.js';
import { createAclsHandler, deleteAclsHandler, describeAclsHandler } from './handlers/acls.js';
import { alterConfigsHandler } from './handlers/alter-configs.js';
import { alterPartitionHandler } from './handlers/alter-partition.js';
import { alterPartitionReassignmentsHandler } from './handlers/alter-partition-reassignments.js';
import { alterUserScramCredentialsHandler } from './handlers/alter-user-scram-credentials.js';
import { brokerHeartbeatHandler } from './handlers/broker-heartbeat.js';
import { createPartitionsHandler } from './handlers/create-partitions.js';
import { createTopicsHandler } from './handlers/create-topics.js';
import { deleteTopicsHandler } from './handlers/delete-topics.js';
import { describeClusterHandler } from './handlers/describe-cluster.js';
import { describeConfigsHandler } from './handlers/describe-configs.js';
import { describeUserScramCredentialsHandler } from './handlers/describe-user-scram-credentials.js';
import { describeQuorumHandler } from './handlers/describe-quorum.js';
import { electLeadersHandler } from './handlers/elect-leaders.js';
import { fetchMetadataHandler } from './handlers/fetch-metadata.js';
import { incrementalAlterConfigsHandler } from './handlers/incremental-alter-configs.js';
import { listPartitionReassignmentsHandler } from './handlers/list-partition-reassignments.js';
import { registerBrokerHandler } from './handlers/register-broker.js';
import { unregisterBrokerHandler } from './handlers/unregister-broker.js';

/**
 * The Controller gRPC service: wire requests in, decisions of the active controller out, one
 * handler per RPC. Every failure is answered with a code and message in the response, never as
 * a transport error.
 */
export function controllerHandlers(ctx: ControllerServiceContext): ControllerHandlers {
  return {
    RegisterBroker: registerBrokerHandler(ctx),
    BrokerHeartbeat: brokerHeartbeatHandler(ctx),
    UnregisterBroker: unregisterBrokerHandler(ctx),
    FetchMetadata: fetchMetadataHandler(ctx),
    AlterPartition: alterPartitionHandler(ctx),
    AllocateProducerIds: allocateProducerIdsHandler(ctx),
    CreateTopics: createTopicsHandler(ctx),
    DeleteTopics: deleteTopicsHandler(ctx),
    CreatePartitions: createPartitionsHandler(ctx),
    DescribeConfigs: describeConfigsHandler(ctx),
    AlterConfigs: alterConfigsHandler(ctx),
    IncrementalAlterConfigs: incrementalAlterConfigsHandler(ctx),
    ElectLeaders: electLeadersHandler(ctx),
    DescribeCluster: describeClusterHandler(ctx),
    DescribeQuorum: describeQuorumHandler(ctx),
    AlterPartitionReassignments: alterPartitionReassignmentsHandler(ctx),
    ListPartitionReassignments: listPartitionReassignmentsHandler(ctx),
    AlterUserScramCredentials: alterUserScramCredentialsHandler(ctx),
    DescribeUserScramCredentials: describeUserScramCredentialsHandler(ctx),
    CreateAcls: createAclsHandler(ctx),
    DescribeAcls: describeAclsHandler(ctx),
    DeleteAcls: deleteAclsHandler(ctx),
  };
}
