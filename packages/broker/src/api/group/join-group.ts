import type { BrokerHandlers } from '@quill/proto';
import type { GroupCoordinator } from '../../group-coordinator/group-coordinator.js';
import { unary } from '../unary.js';
import { clientOf } from './client-identity.js';

/** JoinGroup: a member joins (or rejoins) a group; answered when the rebalance's join phase completes. */
export function joinGroupHandler(coordinator: GroupCoordinator): BrokerHandlers['JoinGroup'] {
  return unary((call) => coordinator.join(call.request, clientOf(call)));
}
