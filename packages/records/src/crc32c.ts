import { crc32c as nativeCrc32c } from '@node-rs/crc32';

/** CRC-32C (Castagnoli), as Kafka's RecordBatch v2 uses; SIMD-accelerated native code. */
export function crc32c(data: Uint8Array): number {
  return nativeCrc32c(data) >>> 0;
}
