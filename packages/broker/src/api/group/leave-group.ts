import type { BrokerHandlers } from '@quill/proto';
import type { GroupCoordinator } from '../../group-coordinator/group-coordinator.js';
import { unary } from '../unary.js';

/** LeaveGroup: members leave at once rather than by session timeout. */
export function leaveGroupHandler(coordinator: GroupCoordinator): BrokerHandlers['LeaveGroup'] {
  return unary((call) => coordinator.leave(call.request));
}
