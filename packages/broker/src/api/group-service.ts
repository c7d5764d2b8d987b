import type { ServerUnaryCall } from '@grpc/grpc-js';
import { CLIENT_ID_METADATA_KEY, type BrokerHandlers } from '@quill/proto';
import { toQuillError } from '../errors.js';
import type { ClientIdentity, GroupCoordinator } from '../group-coordinator/group-coordinator.js';

type GroupMethods =
  | 'FindCoordinator'
  | 'JoinGroup'
  | 'SyncGroup'
  | 'Heartbeat'
  | 'LeaveGroup'
  | 'OffsetCommit'
  | 'OffsetFetch'
  | 'ListGroups'
  | 'DescribeGroups'
  | 'DeleteGroups';

const failure = (error: unknown) => ({ error: { code: toQuillError(error).code, message: toQuillError(error).message } });

/** The client id from the gRPC metadata, and the peer address as Kafka shows it ("/127.0.0.1"). */
function clientOf(call: ServerUnaryCall<unknown, unknown>): ClientIdentity {
  const clientId = call.metadata.get(CLIENT_ID_METADATA_KEY)[0];
  const peer = call.getPeer();
  const host = peer.replace(/^ipv[46]:/, '').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  return { clientId: typeof clientId === 'string' ? clientId : '', clientHost: `/${host}` };
}

/**
 * The consumer group RPCs of the Broker service, served by this broker's group coordinator.
 * Every failure is an error code in the response, never a transport error.
 */
export function groupHandlers(coordinator: GroupCoordinator): Pick<BrokerHandlers, GroupMethods> {
  return {
    FindCoordinator: (call, callback) => {
      if (call.request.keyType === 'COORDINATOR_TYPE_TRANSACTION') {
        callback(null, { error: { code: 'INVALID_REQUEST', message: 'Transactions are not supported yet, so there is no transaction coordinator.' } });
        return;
      }
      coordinator.findCoordinator(call.request.keys).then(
        (response) => callback(null, response),
        (error: unknown) => callback(null, failure(error)),
      );
    },
    JoinGroup: (call, callback) => {
      coordinator.join(call.request, clientOf(call)).then(
        (response) => callback(null, response),
        (error: unknown) => callback(null, failure(error)),
      );
    },
    SyncGroup: (call, callback) => {
      coordinator.sync(call.request).then(
        (response) => callback(null, response),
        (error: unknown) => callback(null, failure(error)),
      );
    },
    Heartbeat: (call, callback) => {
      // A held (long-poll) heartbeat is released when its caller goes away.
      const cancelled = new AbortController();
      call.on('cancelled', () => cancelled.abort());
      coordinator.heartbeat(call.request, cancelled.signal).then(
        (response) => callback(null, response),
        (error: unknown) => callback(null, failure(error)),
      );
    },
    LeaveGroup: (call, callback) => {
      coordinator.leave(call.request).then(
        (response) => callback(null, response),
        (error: unknown) => callback(null, failure(error)),
      );
    },
    OffsetCommit: (call, callback) => {
      coordinator.commitOffsets(call.request).then(
        (response) => callback(null, response),
        (error: unknown) => callback(null, failure(error)),
      );
    },
    OffsetFetch: (call, callback) => {
      try {
        callback(null, coordinator.fetchOffsets(call.request));
      } catch (error) {
        callback(null, failure(error));
      }
    },
    ListGroups: (call, callback) => {
      try {
        callback(null, coordinator.listGroups(call.request.statesFilter));
      } catch (error) {
        callback(null, failure(error));
      }
    },
    DescribeGroups: (call, callback) => {
      try {
        callback(null, { groups: coordinator.describeGroups(call.request.groupIds) });
      } catch (error) {
        callback(null, failure(error));
      }
    },
    DeleteGroups: (call, callback) => {
      coordinator.deleteGroups(call.request.groupIds).then(
        (results) => callback(null, { results }),
        (error: unknown) => callback(null, failure(error)),
      );
    },
  };
}
