// @quill/proto: the wire contracts of proto/quill/v1 as TypeScript, plus tiny helpers.
// Message types come in pairs: `Foo` is what you may send (permissive), `Foo__Output` what
// you receive (defaults filled, longs as number, enums as name strings, bytes as Buffer).
export * from './gen/index.js';
export {
  ERROR_TABLE,
  ErrorCode,
  QuillError,
  asQuillError,
  describeError,
  errorFromResponse,
  errorInfo,
  errorMessage,
  isRetriable,
  toWireError,
  type ErrorInfo,
  type QuillErrorOptions,
  type WireError,
} from './errors.js';
export {
  PROTO_DIR,
  PROTO_LOADER_OPTIONS,
  decodeMetadataRecordBatch,
  encodeMetadataRecordBatch,
  loadQuillPackage,
  protoFiles,
} from './loader.js';
export { CLIENT_ID_METADATA_KEY, FLOW_CONTROL_WINDOW_BYTES, GRPC_CHANNEL_OPTIONS, MAX_MESSAGE_BYTES, SESSION_TOKEN_METADATA_KEY } from './options.js';
export { bindServer } from './bind-server.js';
export { createServiceClient } from './clients.js';
export type { BidiStreamingMethods, UnaryMethods } from './service-methods.js';
