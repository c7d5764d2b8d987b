import type { ServerUnaryCall } from '@grpc/grpc-js';
import { CLIENT_ID_METADATA_KEY } from '@quill/proto';
import type { ClientIdentity } from '../../group-coordinator/group-coordinator.js';

/** The client id from the gRPC metadata, and the peer address as Kafka shows it ("/127.0.0.1"). */
export function clientOf(call: ServerUnaryCall<unknown, unknown>): ClientIdentity {
  const clientId = call.metadata.get(CLIENT_ID_METADATA_KEY)[0];
  const peer = call.getPeer();
  const host = peer.replace(/^ipv[46]:/, '').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  return { clientId: typeof clientId === 'string' ? clientId : '', clientHost: `/${host}` };
}
