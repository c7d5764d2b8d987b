import type { KafkaReader } from './reader.js';
import type { KafkaWriter } from './writer.js';

/** One API's supported versions and its generated codecs (bodies only, no headers). */
export interface ApiCodec {
  readonly apiKey: number;
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
  /** The first flexible version, undefined if the API has none. */
  readonly flexibleFrom: number | undefined;
  readonly decodeRequest: (r: KafkaReader, version: number) => object;
  readonly encodeRequest: (w: KafkaWriter, version: number, body: object) => void;
  readonly decodeResponse: (r: KafkaReader, version: number) => object;
  readonly encodeResponse: (w: KafkaWriter, version: number, body: object) => void;
}
