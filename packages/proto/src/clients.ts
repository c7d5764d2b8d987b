import { credentials, type ChannelCredentials, type ChannelOptions } from '@grpc/grpc-js';
import type { BrokerClient, ControllerClient, RaftClient, ReplicaClient } from './gen/index.js';
import { loadQuillPackage } from './loader.js';
import { GRPC_CHANNEL_OPTIONS } from './options.js';

interface ServiceClients {
  Broker: BrokerClient;
  Controller: ControllerClient;
  Raft: RaftClient;
  Replica: ReplicaClient;
}

/**
 * A typed gRPC client for one Quill service at `address`, with the channel options every Quill
 * client uses (large flow-control window, message limits) plus any extra ones.
 */
export function createServiceClient<S extends keyof ServiceClients>(
  service: S,
  address: string,
  options: { credentials?: ChannelCredentials; channelOptions?: ChannelOptions } = {},
): ServiceClients[S] {
  const Client = loadQuillPackage().quill.v1[service];
  return new Client(address, options.credentials ?? credentials.createInsecure(), {
    ...GRPC_CHANNEL_OPTIONS,
    ...options.channelOptions,
  }) as unknown as ServiceClients[S];
}
