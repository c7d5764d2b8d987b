import { SeededRandom } from '@quill/random';
import { describe, expect, it } from 'vitest';
import {
  COMPRESSION_TYPES,
  RecordsError,
  decodeBatch,
  decodeBatches,
  encodeBatch,
  readBatchHeader,
  setBaseOffset,
  setPartitionLeaderEpoch,
  splitBatches,
  verifyBatchCrc,
  type RecordInput,
} from './index.js';
import { FOREIGN_GZIP_BATCH } from './fixtures.test-data.js';

function sampleRecords(random: SeededRandom, count: number): RecordInput[] {
  return Array.from({ length: count }, (_, i) => ({
    key: random.chance(0.2) ? null : `key-${i}`,
    value: random.chance(0.1) ? null : random.bytes(random.int(0, 300)),
    headers: random.chance(0.3) ? [{ key: 'h', value: `v${i}` }, { key: 'null', value: null }] : [],
    timestamp: 1_700_000_000_000 + random.int(0, 5000),
  }));
}

describe('RecordBatch v2 codec', () => {
  it('decodes a batch written by another Kafka client', () => {
    const { header, records } = decodeBatch(FOREIGN_GZIP_BATCH);
    expect(header.compression).toBe('gzip');
    expect(header.timestampType).toBe('log-append');
    expect(records).toHaveLength(1);
    expect(records[0]!.key?.toString()).toBe('key-0');
    expect(records[0]!.value?.toString()).toBe('value-0-2020-08-14T17:13:08.682Z');
    expect(records[0]!.timestamp).toBe(header.maxTimestamp);
  });

  for (const compression of COMPRESSION_TYPES) {
    it(`round-trips records with ${compression} compression`, () => {
      const random = new SeededRandom(1234);
      const input = sampleRecords(random, 50);
      const batch = encodeBatch(input, {
        compression,
        baseOffset: 100,
        producerId: 77,
        producerEpoch: 3,
        baseSequence: 9,
        partitionLeaderEpoch: 5,
      });
      const { header, records } = decodeBatch(batch);
      expect(header).toMatchObject({
        baseOffset: 100,
        lastOffset: 149,
        recordCount: 50,
        compression,
        producerId: 77,
        producerEpoch: 3,
        baseSequence: 9,
        partitionLeaderEpoch: 5,
        sizeInBytes: batch.length,
      });
      expect(header.maxTimestamp).toBe(Math.max(...input.map((r) => r.timestamp!)));
      records.forEach((record, i) => {
        const original = input[i]!;
        expect(record.offset).toBe(100 + i);
        expect(record.timestamp).toBe(original.timestamp);
        expect(record.key?.toString() ?? null).toBe(original.key ?? null);
        expect(record.value === null ? null : Buffer.compare(record.value, original.value as Buffer)).toBe(
          original.value === null ? null : 0,
        );
        expect(record.headers.map((h) => [h.key, h.value?.toString() ?? null])).toEqual(
          (original.headers ?? []).map((h) => [h.key, h.value?.toString() ?? null]),
        );
      });
    });
  }

  it('keeps the CRC valid when the broker stamps base offset and leader epoch', () => {
    const batch = encodeBatch([{ value: 'a' }, { value: 'b' }]);
    setBaseOffset(batch, 2 ** 40);
    setPartitionLeaderEpoch(batch, 12);
    const header = readBatchHeader(batch);
    expect(() => verifyBatchCrc(batch, header)).not.toThrow();
    expect(header.baseOffset).toBe(2 ** 40);
    expect(header.lastOffset).toBe(2 ** 40 + 1);
    expect(decodeBatch(batch).records.map((r) => r.offset)).toEqual([2 ** 40, 2 ** 40 + 1]);
  });

  it('encodes large and negative varints exactly (timestamps before the base, big values)', () => {
    const batch = encodeBatch(
      [
        { value: Buffer.alloc(70_000, 1), timestamp: 10_000_000 },
        { value: 'x', timestamp: 5 },
      ],
      { baseTimestamp: 10_000_000 },
    );
    const { records } = decodeBatch(batch);
    expect(records[0]!.value!.length).toBe(70_000);
    expect(records[1]!.timestamp).toBe(5);
  });

  it('splits and decodes concatenated batches', () => {
    const a = encodeBatch([{ value: '1' }], { baseOffset: 0 });
    const b = encodeBatch([{ value: '2' }, { value: '3' }], { baseOffset: 1, compression: 'lz4' });
    const both = Buffer.concat([a, b]);
    expect(splitBatches(both, { verifyCrc: true }).map((x) => x.header.baseOffset)).toEqual([0, 1]);
    expect(decodeBatches(both).flatMap((x) => x.records.map((r) => r.value!.toString()))).toEqual(['1', '2', '3']);
  });

  it('rejects a flipped bit with CORRUPT_MESSAGE', () => {
    const batch = encodeBatch([{ key: 'k', value: 'v' }]);
    batch[batch.length - 2]! ^= 0x01;
    expect(() => decodeBatch(batch)).toThrowError(expect.objectContaining({ code: 'CORRUPT_MESSAGE' }));
  });

  it('rejects an unsupported magic with UNSUPPORTED_VERSION', () => {
    const batch = encodeBatch([{ value: 'v' }]);
    batch[16] = 1;
    expect(() => readBatchHeader(batch)).toThrowError(expect.objectContaining({ code: 'UNSUPPORTED_VERSION' }));
  });

  it('never throws anything but RecordsError on mutated or truncated input (seeded fuzz)', () => {
    const seed = 20261122;
    const random = new SeededRandom(seed);
    let rejected = 0;
    for (let round = 0; round < 3000; round++) {
      const compression = random.pick(COMPRESSION_TYPES);
      const batch = encodeBatch(sampleRecords(random, random.int(1, 8)), { compression });
      const mutated = Buffer.from(batch);
      const mode = random.int(0, 2);
      if (mode === 0) {
        for (let flips = random.int(1, 4); flips > 0; flips--) mutated[random.int(0, mutated.length - 1)] = random.int(0, 255);
      }
      const input = mode === 1 ? mutated.subarray(0, random.int(0, mutated.length - 1)) : mutated;
      // Mode 2 corrupts the record body: with the CRC skipped (a reader of already-verified bytes), the
      // record parser itself meets the garbage and must still fail cleanly.
      if (mode === 2) mutated[random.int(61, mutated.length - 1)] = random.int(0, 255);
      for (const verifyCrc of [true, false]) {
        try {
          decodeBatch(input, 0, { verifyCrc });
        } catch (error) {
          if (!(error instanceof RecordsError)) {
            throw new Error(`seed ${seed} round ${round}: decoder threw ${String(error)}`, { cause: error });
          }
          rejected++;
        }
      }
    }
    expect(rejected).toBeGreaterThan(3000);
  });
});
