import type { BrokerHandlers } from '@quill/proto';
import type { BrokerServiceContext } from './broker/context.js';
import { deleteRecordsHandler } from './broker/delete-records.js';
import { fetchHandler, fetchStreamHandler } from './broker/fetch.js';
import { forwardToController } from './broker/forward-to-controller.js';
import { initProducerIdHandler } from './broker/init-producer-id.js';
import { listOffsetsHandler } from './broker/list-offsets.js';
import { metadataHandler } from './broker/metadata.js';
import { produceHandler, produceStreamHandler } from './broker/produce.js';

/**
 * The client-facing Broker service: metadata from the local copy of the metadata log, produce
 * and fetch against this broker's replicas, and admin calls forwarded to the active controller.
 * Failures are answered with a code in the response, never by crashing or a transport error.
 */
export function brokerHandlers(ctx: BrokerServiceContext): Partial<BrokerHandlers> {
  return {
    Metadata: metadataHandler(ctx),
    Produce: produceHandler(ctx),
    ProduceStream: produceStreamHandler(ctx),
    Fetch: fetchHandler(ctx),
    FetchStream: fetchStreamHandler(ctx),
    ListOffsets: listOffsetsHandler(ctx),
    DeleteRecords: deleteRecordsHandler(ctx),
    InitProducerId: initProducerIdHandler(ctx),
    CreateTopics: forwardToController(ctx, 'CreateTopics'),
    DeleteTopics: forwardToController(ctx, 'DeleteTopics'),
    CreatePartitions: forwardToController(ctx, 'CreatePartitions'),
    DescribeConfigs: forwardToController(ctx, 'DescribeConfigs'),
    AlterConfigs: forwardToController(ctx, 'AlterConfigs'),
    IncrementalAlterConfigs: forwardToController(ctx, 'IncrementalAlterConfigs'),
    ElectLeaders: forwardToController(ctx, 'ElectLeaders'),
    DescribeCluster: forwardToController(ctx, 'DescribeCluster'),
    DescribeQuorum: forwardToController(ctx, 'DescribeQuorum'),
    AlterPartitionReassignments: forwardToController(ctx, 'AlterPartitionReassignments'),
    ListPartitionReassignments: forwardToController(ctx, 'ListPartitionReassignments'),
    AlterUserScramCredentials: forwardToController(ctx, 'AlterUserScramCredentials'),
    DescribeUserScramCredentials: forwardToController(ctx, 'DescribeUserScramCredentials'),
    CreateAcls: forwardToController(ctx, 'CreateAcls'),
    DescribeAcls: forwardToController(ctx, 'DescribeAcls'),
    DeleteAcls: forwardToController(ctx, 'DeleteAcls'),
    UnregisterBroker: forwardToController(ctx, 'UnregisterBroker'),
  };
}
