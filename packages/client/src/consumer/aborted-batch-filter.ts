import type { DecodedBatch } from '@quill/records';
import type { FetchedPartition } from './fetcher.js';

/** Control record type of an abort marker (the key is int16 version, int16 type). */
const CONTROL_TYPE_ABORT = 0;

/**
 * Kafka's read_committed filter: control batches are never handed out, and a transactional
 * batch is skipped when its producer's transaction is listed as aborted from an offset at or
 * before it, until that producer's abort marker. Returns true for a batch to skip; call it on
 * the partition's batches in offset order.
 */
export function abortedBatchFilter(data: Pick<FetchedPartition, 'abortedTransactions'>): (batch: DecodedBatch) => boolean {
  const aborted = [...data.abortedTransactions].sort((a, b) => a.firstOffset - b.firstOffset);
  const abortedProducers = new Set<number>();
  let next = 0;
  return (batch) => {
    const { header } = batch;
    while (next < aborted.length && aborted[next]!.firstOffset <= header.lastOffset) {
      abortedProducers.add(aborted[next++]!.producerId);
    }
    if (header.isControl) {
      const key = batch.records[0]?.key;
      if (key && key.length >= 4 && key.readInt16BE(2) === CONTROL_TYPE_ABORT) abortedProducers.delete(header.producerId);
      return true;
    }
    return header.isTransactional && abortedProducers.has(header.producerId);
  };
}
