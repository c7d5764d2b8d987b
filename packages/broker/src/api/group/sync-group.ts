import type { BrokerHandlers } from '@quill/proto';
import type { GroupCoordinator } from '../../group-coordinator/group-coordinator.js';
import { unary } from '../unary.js';

/** SyncGroup: the leader hands out the assignment; every member gets its own share. */
export function syncGroupHandler(coordinator: GroupCoordinator): BrokerHandlers['SyncGroup'] {
  return unary((call) => coordinator.sync(call.request));
}
