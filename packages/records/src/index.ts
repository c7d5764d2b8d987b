export * from './batch-header.js';
export { compress, decompress, MAX_DECOMPRESSED_BYTES_DEFAULT } from './compression.js';
export { crc32c } from './crc32c.js';
export { decodeBatch, decodeBatches, type DecodeOptions, type DecodedBatch } from './decode.js';
export { encodeBatch, type BatchOptions } from './encode.js';
export { RecordsError, isRecordsError, type RecordsErrorCode } from './errors.js';
export type { Record, RecordHeader, RecordInput } from './record.js';
export { varintSize, writeVarint, zigzagDecode, zigzagEncode } from './varint.js';
export { murmur2, partitionForKey, toPositive } from './murmur2.js';
