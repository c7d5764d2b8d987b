import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';
import type { MetadataRecordBatch, MetadataRecordBatch__Output, QuillProtoGrpcType } from './gen/index.js';

/** The repository's proto/ directory (same depth from src/ and dist/). */
const REPOSITORY_PROTO_DIR = fileURLToPath(new URL('../../../proto/', import.meta.url));
/** The copy of proto/ that `pnpm pack` puts beside dist/ (the package's prepack script). */
const PACKED_PROTO_DIR = fileURLToPath(new URL('../proto/', import.meta.url));

/**
 * Where the .proto files are read from: the repository's own in a checkout, so an edited contract
 * is what runs; the packed copy in an installed package, which has no repository around it.
 */
export const PROTO_DIR = existsSync(join(REPOSITORY_PROTO_DIR, 'quill', 'v1')) ? REPOSITORY_PROTO_DIR : PACKED_PROTO_DIR;

/**
 * Must match the proto-loader-gen-types flags in scripts/codegen.mjs, or the generated types
 * lie about the runtime shapes. Longs as Number: offsets and ids stay far below 2^53.
 */
export const PROTO_LOADER_OPTIONS = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
} as const satisfies Options;

/** The .proto files, relative to PROTO_DIR, in a stable order. */
export function protoFiles(): string[] {
  return readdirSync(join(PROTO_DIR, 'quill', 'v1'))
    .filter((f) => f.endsWith('.proto'))
    .sort()
    .map((f) => `quill/v1/${f}`);
}

let cached: QuillProtoGrpcType | undefined;

/**
 * Loads every Quill proto into a grpc-js package object (service client constructors with
 * `.service` definitions for servers, and message types with serialize/deserialize). Parsed
 * once per process and cached.
 */
export function loadQuillPackage(): QuillProtoGrpcType {
  if (!cached) {
    const definition = loadSync(protoFiles(), { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_DIR] });
    cached = loadPackageDefinition(definition) as unknown as QuillProtoGrpcType;
  }
  return cached;
}

/** Encodes the payload of a metadata Raft entry (Entry.data, MetadataBatch.records). */
export function encodeMetadataRecordBatch(batch: MetadataRecordBatch): Buffer {
  return loadQuillPackage().quill.v1.MetadataRecordBatch.serialize(batch);
}

export function decodeMetadataRecordBatch(bytes: Uint8Array): MetadataRecordBatch__Output {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return loadQuillPackage().quill.v1.MetadataRecordBatch.deserialize(buf);
}
