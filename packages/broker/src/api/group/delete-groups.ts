import type { BrokerHandlers } from '@quill/proto';
import type { GroupCoordinator } from '../../group-coordinator/group-coordinator.js';
import { unary } from '../unary.js';

/** DeleteGroups: removes empty groups and their committed offsets. */
export function deleteGroupsHandler(coordinator: GroupCoordinator): BrokerHandlers['DeleteGroups'] {
  return unary(async (call) => ({ results: await coordinator.deleteGroups(call.request.groupIds) }));
}
