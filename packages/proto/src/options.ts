import type { ChannelOptions } from '@grpc/grpc-js';

/** Largest gRPC message either side accepts or sends: a fetch response of many whole batches. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/**
 * HTTP/2 flow-control window for client channels. The 64 KiB default caps bulk transfers at
 * ~300 MB/s on our machines; 16 MiB measured ~1.5 GB/s for server-to-client data (fetch).
 * grpc-js servers ignore the option, which is why bulk data flows server to client.
 */
export const FLOW_CONTROL_WINDOW_BYTES = 16 * 1024 * 1024;

/** Options for every Quill gRPC client (and server: the message limits apply there too). */
export const GRPC_CHANNEL_OPTIONS = {
  'grpc-node.flow_control_window': FLOW_CONTROL_WINDOW_BYTES,
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
} as const satisfies ChannelOptions;

/** gRPC metadata key carrying the client id (quotas, logs, DescribeGroups), see broker.proto. */
export const CLIENT_ID_METADATA_KEY = 'quill-client-id';

/** gRPC metadata key carrying the session token a broker's Authenticate answered, see broker.proto. */
export const SESSION_TOKEN_METADATA_KEY = 'quill-session-token';
