import type { BrokerHandlers } from '@quill/proto';
import type { GroupCoordinator } from '../../group-coordinator/group-coordinator.js';
import { unary } from '../unary.js';

/** OffsetCommit: a group's committed offsets, written to its offsets partition. */
export function offsetCommitHandler(coordinator: GroupCoordinator): BrokerHandlers['OffsetCommit'] {
  return unary((call) => coordinator.commitOffsets(call.request));
}
