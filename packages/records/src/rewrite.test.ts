import { describe, expect, it } from 'vitest';
import { decodeBatches, encodeBatch, readBatchHeader, rewriteBatches, splitBatches, verifyBatchCrc, type RecordInput } from './index.js';

const records: RecordInput[] = [
  { key: 'a', value: 'one', timestamp: 1_000 },
  { key: 'b', value: 'two', headers: [{ key: 'h', value: 'x' }], timestamp: 1_005 },
];

describe('rewriteBatches', () => {
  it('returns the same buffer when nothing is to change, and for batches already in the codec', () => {
    const batch = encodeBatch(records, { compression: 'zstd' });
    expect(rewriteBatches(batch, {})).toBe(batch);
    expect(rewriteBatches(batch, { compression: 'zstd' })).toBe(batch);
  });

  it('recompresses every batch in another codec, keeping records, producer fields and a valid CRC', () => {
    const input = Buffer.concat([
      encodeBatch(records, { compression: 'gzip', producerId: 7, producerEpoch: 1, baseSequence: 3 }),
      encodeBatch(records, { compression: 'none' }),
    ]);
    const output = rewriteBatches(input, { compression: 'zstd' });
    const batches = splitBatches(output, { verifyCrc: true });
    expect(batches.map((b) => b.header.compression)).toEqual(['zstd', 'zstd']);
    expect(batches[0]!.header).toMatchObject({ producerId: 7, producerEpoch: 1, baseSequence: 3, recordCount: 2, lastOffsetDelta: 1 });
    const decoded = decodeBatches(output);
    expect(decoded.flatMap((b) => b.records.map((r) => [r.key?.toString(), r.value?.toString(), r.timestamp]))).toEqual([
      ['a', 'one', 1_000],
      ['b', 'two', 1_005],
      ['a', 'one', 1_000],
      ['b', 'two', 1_005],
    ]);
  });

  it('decompresses to uncompressed', () => {
    const output = rewriteBatches(encodeBatch(records, { compression: 'lz4' }), { compression: 'none' });
    expect(readBatchHeader(output).compression).toBe('none');
    expect(decodeBatches(output)[0]!.records.map((r) => r.value?.toString())).toEqual(['one', 'two']);
  });

  it('stamps LogAppendTime: the attribute bit, maxTimestamp the broker time, every record at that time', () => {
    const output = rewriteBatches(encodeBatch(records, { compression: 'snappy' }), { logAppendTimeMs: 99_000 });
    const header = readBatchHeader(output);
    verifyBatchCrc(output, header);
    expect(header.timestampType).toBe('log-append');
    expect(header.maxTimestamp).toBe(99_000);
    expect(header.compression).toBe('snappy');
    expect(decodeBatches(output)[0]!.records.map((r) => r.timestamp)).toEqual([99_000, 99_000]);
  });

  it('leaves control batches in their codec', () => {
    const control = encodeBatch([{ key: 'k', value: 'v' }], { isControl: true, compression: 'none' });
    expect(readBatchHeader(rewriteBatches(control, { compression: 'gzip' })).compression).toBe('none');
  });
});
