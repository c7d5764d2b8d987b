import type { ClusterBroker__Output } from '@quill/proto';
import type { BrokerState } from './types.js';

/** A broker of a DescribeCluster answer as `admin.describeBrokers` reports it. */
export function brokerState(broker: ClusterBroker__Output): BrokerState {
  return {
    nodeId: broker.brokerId,
    state: broker.fenced ? 'fenced' : broker.inControlledShutdown ? 'shutting down' : 'running',
    fenced: broker.fenced,
    inControlledShutdown: broker.inControlledShutdown,
    epoch: broker.brokerEpoch,
    rack: broker.rack ?? null,
    endpoints: broker.endpoints.map(({ listenerName, host, port }) => ({ listenerName, host, port })),
  };
}
