import { encodeBatch, readBatchHeader, type BatchHeader } from '@quill/records';
import { describe, expect, it } from 'vitest';
import { CACHED_BATCHES_PER_PRODUCER, ProducerStateTable } from './producer-state.js';

function batch(producerId: number, epoch: number, baseSequence: number, records: number, baseOffset: number): BatchHeader {
  const bytes = encodeBatch(
    Array.from({ length: records }, (_, i) => ({ value: `v${i}` })),
    { producerId, producerEpoch: epoch, baseSequence, baseOffset },
  );
  return readBatchHeader(bytes);
}

describe('ProducerStateTable', () => {
  it('accepts in-order batches and recognises a retried one with its original offsets', () => {
    const table = new ProducerStateTable();
    const first = batch(7, 0, 0, 3, 100);
    expect(table.check(first)).toEqual({ kind: 'append' });
    table.update(first);
    const second = batch(7, 0, 3, 2, 103);
    expect(table.check(second)).toEqual({ kind: 'append' });
    table.update(second);
    expect(table.check(batch(7, 0, 0, 3, 999))).toEqual({ kind: 'duplicate', firstOffset: 100, lastOffset: 102 });
    expect(table.check(batch(7, 0, 3, 2, 999))).toEqual({ kind: 'duplicate', firstOffset: 103, lastOffset: 104 });
  });

  it('rejects gaps and out-of-order sequences, and a new producer not starting at 0', () => {
    const table = new ProducerStateTable();
    table.update(batch(7, 0, 0, 3, 0));
    expect(table.check(batch(7, 0, 5, 1, 0))).toMatchObject({ kind: 'reject', error: { code: 'OUT_OF_ORDER_SEQUENCE_NUMBER' } });
    expect(table.check(batch(8, 0, 4, 1, 0))).toMatchObject({ kind: 'reject', error: { code: 'OUT_OF_ORDER_SEQUENCE_NUMBER' } });
  });

  it('fences an older epoch and lets a newer epoch start again at 0', () => {
    const table = new ProducerStateTable();
    table.update(batch(7, 1, 0, 1, 0));
    expect(table.check(batch(7, 0, 1, 1, 0))).toMatchObject({ kind: 'reject', error: { code: 'INVALID_PRODUCER_EPOCH' } });
    expect(table.check(batch(7, 2, 0, 1, 0))).toEqual({ kind: 'append' });
  });

  it('remembers only the last five batches of a producer', () => {
    const table = new ProducerStateTable();
    for (let i = 0; i < CACHED_BATCHES_PER_PRODUCER + 2; i++) table.update(batch(7, 0, i, 1, i));
    expect(table.check(batch(7, 0, 0, 1, 0)).kind).toBe('reject');
    expect(table.check(batch(7, 0, 6, 1, 0))).toEqual({ kind: 'duplicate', firstOffset: 6, lastOffset: 6 });
  });

  it('ignores batches without a producer id', () => {
    const table = new ProducerStateTable();
    const plain = readBatchHeader(encodeBatch([{ value: 'x' }]));
    expect(table.check(plain)).toEqual({ kind: 'append' });
    table.update(plain);
    expect(table.size).toBe(0);
  });
});
