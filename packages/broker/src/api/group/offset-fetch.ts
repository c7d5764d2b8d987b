import type { BrokerHandlers } from '@quill/proto';
import type { GroupCoordinator } from '../../group-coordinator/group-coordinator.js';
import { unary } from '../unary.js';

/** OffsetFetch: a group's committed offsets. */
export function offsetFetchHandler(coordinator: GroupCoordinator): BrokerHandlers['OffsetFetch'] {
  return unary((call) => coordinator.fetchOffsets(call.request));
}
