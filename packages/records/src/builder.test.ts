import { describe, expect, it } from 'vitest';
import { readBatchHeader } from './batch-header.js';
import { RecordBatchBuilder } from './builder.js';
import type { CompressionType } from './batch-header.js';
import { decodeBatch } from './decode.js';
import { encodeBatch } from './encode.js';
import type { RecordInput } from './record.js';

const NOW = 1_700_000_000_000;

function inputs(count: number, valueBytes: number): RecordInput[] {
  return Array.from({ length: count }, (_, i) => ({
    key: i % 3 === 0 ? null : `k${i}`,
    value: i % 7 === 0 ? null : Buffer.alloc(valueBytes, i % 251),
    headers: i % 5 === 0 ? [{ key: 'h', value: `v${i}` }] : undefined,
    timestamp: NOW + i,
  }));
}

function built(records: RecordInput[], capacityHint: number, compression: CompressionType = 'none'): Buffer {
  const builder = new RecordBatchBuilder(capacityHint);
  for (const record of records) builder.append(record, NOW);
  return builder.build({ compression, producerId: 7, producerEpoch: 2, baseSequence: 40 });
}

describe('RecordBatchBuilder', () => {
  it('builds the same batch encodeBatch does, growing its buffer from small to past its hint', () => {
    const records = inputs(500, 300); // about 150 KB of records against a 64 KiB hint
    const options = { producerId: 7, producerEpoch: 2, baseSequence: 40 };
    expect(built(records, 64 * 1024).equals(encodeBatch(records, options))).toBe(true);
  });

  it('round-trips through every codec with the producer fields and its record count', () => {
    const records = inputs(50, 40);
    for (const compression of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
      const batch = built(records, 1024, compression);
      const { header, records: decoded } = decodeBatch(batch);
      expect(header).toMatchObject({ compression, producerId: 7, producerEpoch: 2, baseSequence: 40, recordCount: 50, lastOffsetDelta: 49, sizeInBytes: batch.length });
      expect(decoded.map((r) => [r.offset, r.timestamp, r.key?.toString() ?? null, r.value?.length ?? null])).toEqual(
        records.map((r, i) => [i, NOW + i, r.key ?? null, r.value === null ? null : (r.value as Buffer).length]),
      );
      expect(decoded[5]!.headers).toEqual([{ key: 'h', value: Buffer.from('v5') }]);
    }
  });

  it('keeps timestamps relative to the first record, earlier ones too, and stamps a missing one with now', () => {
    const builder = new RecordBatchBuilder(1024);
    builder.append({ value: 'a', timestamp: NOW }, 0);
    builder.append({ value: 'b', timestamp: NOW - 5_000 }, 0);
    builder.append({ value: 'c' }, NOW + 9);
    const batch = builder.build();
    const header = readBatchHeader(batch);
    expect([header.baseTimestamp, header.maxTimestamp]).toEqual([NOW, NOW + 9]);
    expect(decodeBatch(batch).records.map((r) => r.timestamp)).toEqual([NOW, NOW - 5_000, NOW + 9]);
  });

  it('tracks its size and count, and refuses an empty build or an append after build', () => {
    const builder = new RecordBatchBuilder(1024);
    expect(() => builder.build()).toThrow(RangeError);
    builder.append({ value: Buffer.alloc(100) }, NOW);
    expect(builder.recordCount).toBe(1);
    const batch = builder.build();
    expect(builder.sizeInBytes).toBe(batch.length);
    expect(() => builder.append({ value: 'x' }, NOW)).toThrow(/built batch/);
  });
});
