/**
 * @quill/kafka-protocol — the Kafka wire protocol: codecs generated from the schema files in
 * schemas/ (see README.md), the request header and the response frame.
 */
export {
  API_VERSIONS_TABLE,
  FRAME_LENGTH_BYTES,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  readRequestHeader,
  type ApiVersionRange,
  type RequestHeader,
} from './codec.js';
export { KafkaProtocolError, type KafkaProtocolErrorCode } from './errors.js';
export { KafkaReader } from './reader.js';
export { KafkaWriter, WRITER_INITIAL_BYTES } from './writer.js';
export { ZERO_UUID, uuidFromBytes, uuidToBytes } from './uuid.js';
export type { ApiCodec } from './api-codec.js';
export { API_CODECS, ApiKeys } from './gen/index.js';
export type * from './gen/index.js';
