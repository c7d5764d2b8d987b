import type { BrokerHandlers } from '@quill/proto';
import type { GroupCoordinator } from '../../group-coordinator/group-coordinator.js';
import { unary } from '../unary.js';

/** FindCoordinator: the broker leading each group's offsets partition. There is no transaction coordinator. */
export function findCoordinatorHandler(coordinator: GroupCoordinator): BrokerHandlers['FindCoordinator'] {
  return unary((call) => {
    if (call.request.keyType === 'COORDINATOR_TYPE_TRANSACTION') {
      return { error: { code: 'INVALID_REQUEST', message: 'Transactions are not supported yet, so there is no transaction coordinator.' } };
    }
    return coordinator.findCoordinator(call.request.keys);
  });
}
