import { encodeBatch } from '@quill/records';
import { SeededRandom } from '@quill/random';

// The deterministic batches of the storage crash test, shared by the writer child process and the
// test that checks what survived: batch i depends only on (seed, i).

export interface GeneratedRecord {
  key: string;
  value: Buffer | null;
  timestamp: number;
}

const BASE_TIMESTAMP_MS = 1_700_000_000_000;

function batchRandom(seed: number, index: number): SeededRandom {
  return new SeededRandom((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0);
}

/** Records in batch `index` (1-20): the first draw of the batch's stream, so it is cheap alone. */
export function generatedRecordCount(seed: number, index: number): number {
  return batchRandom(seed, index).int(1, 20);
}

export function generateRecords(seed: number, index: number): GeneratedRecord[] {
  const random = batchRandom(seed, index);
  const count = random.int(1, 20);
  const records: GeneratedRecord[] = [];
  for (let j = 0; j < count; j++) {
    // Mostly small values, a few empty or null ones, now and then a large one.
    let value: Buffer | null;
    if (random.chance(0.03)) value = null;
    else if (random.chance(0.03)) value = random.bytes(random.int(4_000, 16_000));
    else value = random.bytes(random.int(0, 1_500));
    records.push({ key: `k-${index}-${j}`, value, timestamp: BASE_TIMESTAMP_MS + index * 20 + j });
  }
  return records;
}

/** Batch `index` exactly as the log stores it once offsets and the leader epoch are stamped. */
export function encodeGeneratedBatch(seed: number, index: number, baseOffset = 0, leaderEpoch?: number): Buffer {
  return encodeBatch(generateRecords(seed, index), {
    baseOffset,
    ...(leaderEpoch !== undefined ? { partitionLeaderEpoch: leaderEpoch } : {}),
  });
}

/** Offset of the first record of batch `index` when batches 0..index-1 precede it densely from 0. */
export function generatedBaseOffset(seed: number, index: number): number {
  let offset = 0;
  for (let i = 0; i < index; i++) offset += generatedRecordCount(seed, i);
  return offset;
}
