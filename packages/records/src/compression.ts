import { gunzipSync, gzipSync } from 'node:zlib';
import { compressFrameSync, decompressFrameSync } from 'lz4-napi';
import { compressSync as snappyCompress, uncompressSync as snappyUncompress } from 'snappy';
import { compress as zstdCompress, decompress as zstdDecompress } from 'zstd-napi';
import type { CompressionType } from './batch-header.js';
import { RecordsError } from './errors.js';

/** Upper bound on a batch's decompressed record bytes, so a small malicious batch cannot exhaust memory. */
export const MAX_DECOMPRESSED_BYTES_DEFAULT = 64 * 1024 * 1024;

// Java clients frame snappy the xerial way; read it so batches from them decode too.
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_SIZE = 16;

export function compress(type: CompressionType, data: Buffer): Buffer {
  switch (type) {
    case 'none':
      return data;
    case 'gzip':
      return gzipSync(data);
    case 'snappy':
      return snappyCompress(data);
    case 'lz4':
      return compressFrameSync(data);
    case 'zstd':
      return zstdCompress(data);
  }
}

export function decompress(type: CompressionType, data: Buffer, maxBytes = MAX_DECOMPRESSED_BYTES_DEFAULT): Buffer {
  let out: Buffer;
  try {
    out = decompressUnchecked(type, data, maxBytes);
  } catch (error) {
    if (error instanceof RecordsError) throw error;
    throw new RecordsError('CORRUPT_MESSAGE', `${type} payload does not decompress: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (out.length > maxBytes) {
    throw new RecordsError('MESSAGE_TOO_LARGE', `${type} payload decompresses beyond ${maxBytes} bytes`);
  }
  return out;
}

function decompressUnchecked(type: CompressionType, data: Buffer, maxBytes: number): Buffer {
  switch (type) {
    case 'none':
      return data;
    case 'gzip':
      try {
        return gunzipSync(data, { maxOutputLength: maxBytes });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
          throw new RecordsError('MESSAGE_TOO_LARGE', `gzip payload decompresses beyond ${maxBytes} bytes`);
        }
        throw error;
      }
    case 'snappy':
      return isXerialFramed(data) ? decompressXerial(data, maxBytes) : snappyUncompressToBuffer(data);
    case 'lz4':
      return decompressFrameSync(data);
    case 'zstd':
      return zstdDecompress(data);
  }
}

function snappyUncompressToBuffer(data: Buffer): Buffer {
  const out = snappyUncompress(data, { asBuffer: true });
  return typeof out === 'string' ? Buffer.from(out) : out;
}

function isXerialFramed(data: Buffer): boolean {
  return data.length >= XERIAL_HEADER_SIZE && data.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC);
}

function decompressXerial(data: Buffer, maxBytes: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  let position = XERIAL_HEADER_SIZE;
  while (position < data.length) {
    if (position + 4 > data.length) throw new RecordsError('CORRUPT_MESSAGE', 'truncated xerial snappy block length');
    const length = data.readInt32BE(position);
    position += 4;
    if (length < 0 || position + length > data.length) {
      throw new RecordsError('CORRUPT_MESSAGE', 'truncated xerial snappy block');
    }
    const chunk = snappyUncompressToBuffer(data.subarray(position, position + length));
    total += chunk.length;
    if (total > maxBytes) throw new RecordsError('MESSAGE_TOO_LARGE', `snappy payload decompresses beyond ${maxBytes} bytes`);
    chunks.push(chunk);
    position += length;
  }
  return Buffer.concat(chunks, total);
}

