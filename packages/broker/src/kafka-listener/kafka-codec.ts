import { API_VERSIONS_TABLE, decodeRequest, encodeResponse, readRequestHeader } from '@quill/kafka-protocol';
import type { KafkaCodec } from './codec.js';

/** The generated Kafka protocol codec, as the listener uses it. */
export const kafkaCodec: KafkaCodec = { versions: API_VERSIONS_TABLE, readRequestHeader, decodeRequest, encodeResponse };
