import type { BrokerHandlers } from '@quill/proto';
import type { GroupCoordinator } from '../../group-coordinator/group-coordinator.js';
import { unary } from '../unary.js';

/** ListGroups: the groups this broker coordinates, optionally only those in given states. */
export function listGroupsHandler(coordinator: GroupCoordinator): BrokerHandlers['ListGroups'] {
  return unary((call) => coordinator.listGroups(call.request.statesFilter));
}
