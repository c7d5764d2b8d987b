import type { BrokerHandlers } from '@quill/proto';
import type { GroupCoordinator } from '../../group-coordinator/group-coordinator.js';
import { unary } from '../unary.js';

/** Heartbeat: keeps a member's session alive; may be held until a rebalance starts. */
export function heartbeatHandler(coordinator: GroupCoordinator): BrokerHandlers['Heartbeat'] {
  return unary((call) => {
    // A held (long-poll) heartbeat is released when its caller goes away.
    const cancelled = new AbortController();
    call.on('cancelled', () => cancelled.abort());
    return coordinator.heartbeat(call.request, cancelled.signal);
  });
}
