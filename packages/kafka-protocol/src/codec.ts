import { ErrorCode } from '@quill/proto';
import type { ApiCodec } from './api-codec.js';
import { KafkaProtocolError } from './errors.js';
import { API_CODECS, ApiKeys } from './gen/index.js';
import { KafkaReader } from './reader.js';
import { KafkaWriter } from './writer.js';

/** A request's header and where its body starts in the frame. */
export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  bodyOffset: number;
}

/** One row of the versions this broker supports, as ApiVersions advertises them. */
export interface ApiVersionRange {
  apiKey: number;
  name: string;
  minVersion: number;
  maxVersion: number;
  flexibleFrom: number | undefined;
}

/** Every API with a schema file and the versions supported, by API key. */
export const API_VERSIONS_TABLE: ReadonlyArray<ApiVersionRange> = [...API_CODECS.values()].map((c) => ({
  apiKey: c.apiKey,
  name: c.name,
  minVersion: c.minVersion,
  maxVersion: c.maxVersion,
  flexibleFrom: c.flexibleFrom,
}));

/** Bytes of a frame's length prefix. */
export const FRAME_LENGTH_BYTES = 4;

function supportedCodec(apiKey: number, apiVersion: number): ApiCodec {
  const codec = API_CODECS.get(apiKey);
  if (!codec) throw new KafkaProtocolError(ErrorCode.INVALID_REQUEST, `unknown API key ${apiKey}`);
  if (apiVersion < codec.minVersion || apiVersion > codec.maxVersion) {
    throw new KafkaProtocolError(
      ErrorCode.UNSUPPORTED_VERSION,
      `${codec.name} v${apiVersion} is not supported (${codec.minVersion}-${codec.maxVersion})`,
    );
  }
  return codec;
}

function isFlexible(codec: ApiCodec | undefined, apiVersion: number): boolean {
  return codec?.flexibleFrom !== undefined && apiVersion >= codec.flexibleFrom && apiVersion <= codec.maxVersion;
}

/**
 * Reads the request header of a frame (without its length prefix): header v2 for a flexible
 * version of a known API, else v1, which is enough to answer an unknown API or version.
 */
export function readRequestHeader(frame: Buffer): RequestHeader {
  const r = new KafkaReader(frame);
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  // The client id keeps its int16 length even in header v2.
  const clientId = r.nullableString(false, true);
  if (isFlexible(API_CODECS.get(apiKey), apiVersion)) r.skipTaggedFields();
  return { apiKey, apiVersion, correlationId, clientId, bodyOffset: r.offset };
}

/** Decodes a request body; throws KafkaProtocolError for an unsupported version or a body that does not parse. */
export function decodeRequest(apiKey: number, apiVersion: number, frame: Buffer, bodyOffset: number): unknown {
  return supportedCodec(apiKey, apiVersion).decodeRequest(new KafkaReader(frame, bodyOffset), apiVersion);
}

/**
 * A complete response frame, length prefix included: header v1 (tagged fields) for flexible
 * versions, v0 otherwise and always for ApiVersions, whose clients cannot yet know our versions.
 */
export function encodeResponse(apiKey: number, apiVersion: number, correlationId: number, body: object): Buffer {
  const codec = supportedCodec(apiKey, apiVersion);
  return lengthPrefixedFrame((w) => {
    w.int32(correlationId);
    if (apiKey !== ApiKeys.ApiVersions && isFlexible(codec, apiVersion)) w.uvarint(0);
    codec.encodeResponse(w, apiVersion, body);
  });
}

/** A complete request frame, length prefix included (for clients and tests). */
export function encodeRequest(
  apiKey: number,
  apiVersion: number,
  correlationId: number,
  clientId: string | null,
  body: object,
): Buffer {
  const codec = supportedCodec(apiKey, apiVersion);
  return lengthPrefixedFrame((w) => {
    w.int16(apiKey);
    w.int16(apiVersion);
    w.int32(correlationId);
    w.nullableString(clientId, false, true);
    if (isFlexible(codec, apiVersion)) w.uvarint(0);
    codec.encodeRequest(w, apiVersion, body);
  });
}

/** A frame of what `write` writes, behind its int32 length prefix. */
function lengthPrefixedFrame(write: (w: KafkaWriter) => void): Buffer {
  const w = new KafkaWriter();
  w.int32(0);
  write(w);
  w.patchInt32(0, w.length - FRAME_LENGTH_BYTES);
  return w.finish();
}

/** A decoded response: the correlation id and the body (frame without its length prefix). */
export function decodeResponse(
  apiKey: number,
  apiVersion: number,
  frame: Buffer,
): { correlationId: number; body: unknown } {
  const codec = supportedCodec(apiKey, apiVersion);
  const r = new KafkaReader(frame);
  const correlationId = r.int32();
  if (apiKey !== ApiKeys.ApiVersions && isFlexible(codec, apiVersion)) r.skipTaggedFields();
  return { correlationId, body: codec.decodeResponse(r, apiVersion) };
}
