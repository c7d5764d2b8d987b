import type { BrokerHandlers } from '@quill/proto';
import type { GroupCoordinator } from '../../group-coordinator/group-coordinator.js';
import { unary } from '../unary.js';

/** DescribeGroups: state, protocol and members of each named group. */
export function describeGroupsHandler(coordinator: GroupCoordinator): BrokerHandlers['DescribeGroups'] {
  return unary((call) => ({ groups: coordinator.describeGroups(call.request.groupIds) }));
}
