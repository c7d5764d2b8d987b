import { QuillError, type ControllerHandlers } from '@quill/proto';
import { registerBroker } from '../../decisions/broker-registration.js';
import { leaderHint, type ControllerServiceContext } from '../context.js';
import { unary } from '../unary.js';

/** RegisterBroker: a broker (re)joins with a fresh incarnation and gets its broker epoch. */
export function registerBrokerHandler(ctx: ControllerServiceContext): ControllerHandlers['RegisterBroker'] {
  return unary(ctx, async (call) => {
    const request = call.request;
    if (request.clusterId !== ctx.clusterId) {
      throw new QuillError('INCONSISTENT_CLUSTER_ID', `Broker ${request.brokerId} belongs to cluster '${request.clusterId}', not '${ctx.clusterId}'.`);
    }
    const alive = ctx.active.sessionAlive(request.brokerId);
    const { brokerEpoch } = await ctx.active.decide((state, offset) =>
      registerBroker(
        state,
        {
          brokerId: request.brokerId,
          incarnationId: request.incarnationId,
          listeners: request.listeners.map((l) => ({ listenerName: l.listenerName, host: l.host, port: l.port })),
          rack: request.rack,
        },
        { offset, previousSessionAlive: alive },
      ),
    );
    ctx.active.touchBroker(request.brokerId);
    return { brokerEpoch, leaderHint: leaderHint(ctx) };
  });
}
