/** The request header fields the listener needs, as `@quill/kafka-protocol` reads them. */
export interface KafkaRequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  bodyOffset: number;
}

/** One row of the versions this broker's codec knows. */
export interface KafkaApiVersionRange {
  apiKey: number;
  name: string;
  minVersion: number;
  maxVersion: number;
  flexibleFrom: number | undefined;
}

/**
 * The codec the listener frames requests with. The broker passes `@quill/kafka-protocol`'s
 * functions; unit tests pass small fakes so the transport is tested apart from the schemas.
 */
export interface KafkaCodec {
  readonly versions: ReadonlyArray<KafkaApiVersionRange>;
  readRequestHeader(frame: Buffer): KafkaRequestHeader;
  decodeRequest(apiKey: number, apiVersion: number, frame: Buffer, bodyOffset: number): unknown;
  encodeResponse(apiKey: number, apiVersion: number, correlationId: number, body: object): Buffer;
}
