import { ServerInterceptingCall, status, type Metadata, type ServerInterceptingCallInterface, type ServerInterceptor } from '@grpc/grpc-js';
import { principalFromCertificate } from './certificate-principal.js';

/** Kafka's principal of a caller that did not authenticate. */
export const ANONYMOUS_PRINCIPAL = 'User:ANONYMOUS';

/** The methods of the gRPC services only nodes call: replication, broker registration and liveness, Raft. */
export const NODE_ONLY_GRPC_METHODS: ReadonlySet<string> = new Set([
  '/quill.v1.Replica/ReplicaFetch',
  '/quill.v1.Replica/ReplicaFetchStream',
  '/quill.v1.Replica/OffsetForLeaderEpoch',
  '/quill.v1.Replica/WriteTxnMarkers',
  '/quill.v1.Controller/RegisterBroker',
  '/quill.v1.Controller/BrokerHeartbeat',
  '/quill.v1.Controller/UnregisterBroker',
  '/quill.v1.Controller/FetchMetadata',
  '/quill.v1.Controller/AlterPartition',
  '/quill.v1.Controller/AllocateProducerIds',
  '/quill.v1.Raft/Vote',
  '/quill.v1.Raft/AppendStream',
  '/quill.v1.Raft/HeartbeatStream',
  '/quill.v1.Raft/InstallSnapshot',
  '/quill.v1.Raft/TimeoutNow',
]);

/** The principal of a gRPC call; `metadata` is the call's request metadata. */
export type GrpcCallPrincipal = (call: ServerInterceptingCallInterface, metadata: Metadata) => string;

/** A call's principal from its verified client certificate, else ANONYMOUS. */
export const certificateCallPrincipal: GrpcCallPrincipal = (call) => principalFromCertificate(call.getAuthContext().sslPeerCertificate) ?? ANONYMOUS_PRINCIPAL;

export interface ClusterActionGuard {
  /** Whether `principal`, calling from `host` (an IP address), may do CLUSTER_ACTION on the cluster. */
  allows(principal: string, host: string): boolean;
  principalOf?: GrpcCallPrincipal;
  /** The guarded methods (default NODE_ONLY_GRPC_METHODS). */
  methods?: ReadonlySet<string>;
}

// How a dual-stack socket reports an IPv4 client; ACLs name the IPv4 address, as Kafka's do.
const IPV4_MAPPED_PREFIX = '::ffff:';

/**
 * A server interceptor refusing node-only methods to callers without a verified principal
 * (ANONYMOUS) or without CLUSTER_ACTION on the cluster, before the handler sees the call:
 * PERMISSION_DENIED whose details begin with CLUSTER_AUTHORIZATION_FAILED (the SDK maps
 * PERMISSION_DENIED to that code). Other methods pass.
 */
export function clusterActionInterceptor(guard: ClusterActionGuard): ServerInterceptor {
  const methods = guard.methods ?? NODE_ONLY_GRPC_METHODS;
  const principalOf = guard.principalOf ?? certificateCallPrincipal;
  return (method, call) => {
    if (!methods.has(method.path)) return new ServerInterceptingCall(call);
    return new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, pass) => {
            const principal = principalOf(call, metadata);
            if (principal === ANONYMOUS_PRINCIPAL) {
              // Node-only methods trust what the caller says of itself (a follower's replica id and
              // fetch offset keep it in the ISR), so an unverified caller never reaches them, whatever the ACLs.
              call.sendStatus({
                code: status.PERMISSION_DENIED,
                details: `CLUSTER_AUTHORIZATION_FAILED: ${method.path} is for nodes and needs a verified client certificate (TLS with ssl.client.auth requested or required); the caller presented none`,
              });
              return;
            }
            const address = call.getConnectionInfo().remoteAddress ?? '';
            const host = address.toLowerCase().startsWith(IPV4_MAPPED_PREFIX) && address.includes('.') ? address.slice(IPV4_MAPPED_PREFIX.length) : address;
            if (guard.allows(principal, host)) {
              pass(metadata);
              return;
            }
            call.sendStatus({
              code: status.PERMISSION_DENIED,
              details: `CLUSTER_AUTHORIZATION_FAILED: ${principal} may not call ${method.path}, which needs CLUSTER_ACTION on the cluster (node principals belong in super.users)`,
            });
          },
        }),
    });
  };
}
