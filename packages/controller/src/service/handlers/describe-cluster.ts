import { brokersSortedById } from '@quill/metadata';
import type { ControllerHandlers } from '@quill/proto';
import type { ControllerServiceContext } from '../context.js';
import { unary } from '../unary.js';

/** DescribeCluster: the cluster id, the active controller and the brokers (fenced ones on request). */
export function describeClusterHandler(ctx: ControllerServiceContext): ControllerHandlers['DescribeCluster'] {
  return unary(ctx, async (call) => {
    const state = ctx.metadata.current;
    return {
      clusterId: ctx.clusterId,
      controllerId: ctx.driver.leaderId,
      metadataOffset: state.offset,
      brokers: brokersSortedById(state)
        .filter((b) => call.request.includeFencedBrokers || !b.fenced)
        .map((b) => ({
          brokerId: b.brokerId,
          endpoints: b.endpoints.map((e) => ({ listenerName: e.listenerName, host: e.host, port: e.port })),
          ...(b.rack === undefined ? {} : { rack: b.rack }),
          brokerEpoch: b.brokerEpoch,
          fenced: b.fenced,
          inControlledShutdown: b.inControlledShutdown,
        })),
    };
  });
}
