import type { ControllerHandlers } from '@quill/proto';
import { brokerHeartbeat } from '../../decisions/broker-heartbeat.js';
import { leaderHint, type ControllerServiceContext } from '../context.js';
import { unary } from '../unary.js';

/** BrokerHeartbeat: keeps a broker's session alive; fencing, catch-up and controlled shutdown ride on it. */
export function brokerHeartbeatHandler(ctx: ControllerServiceContext): ControllerHandlers['BrokerHeartbeat'] {
  return unary(ctx, async (call) => {
    const request = call.request;
    if (!ctx.driver.isLeader) throw ctx.active.notController();
    ctx.active.touchBroker(request.brokerId);
    const reply = await ctx.active.decide((state) =>
      brokerHeartbeat(
        state,
        { brokerId: request.brokerId, brokerEpoch: request.brokerEpoch, metadataOffset: request.metadataOffset, wantFence: request.wantFence, wantShutdown: request.wantShutdown },
        { highWatermark: state.offset },
      ),
    );
    return { ...reply, leaderHint: leaderHint(ctx) };
  });
}
