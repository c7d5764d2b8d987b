import type { Message } from '@quill/client';
import { describe, expect, it } from 'vitest';
import { BATCH_HEADER_BYTES, BatchAccumulator, RECORD_OVERHEAD_BYTES, type AcknowledgedBatch, type AccumulatorOptions } from './accumulator.js';

/** An accumulator whose sends stay pending until the test settles them. */
function setUp(overrides: Partial<AccumulatorOptions> = {}) {
  const sends: Array<{ messages: Message[]; settle: (error?: Error) => void }> = [];
  const acknowledged: AcknowledgedBatch[] = [];
  let clock = 0;
  const accumulator = new BatchAccumulator({
    partitions: [0, 1, 2],
    firstPartitionIndex: 0,
    // Room for exactly three 100-byte records.
    batchSizeBytes: BATCH_HEADER_BYTES + 3 * (100 + RECORD_OVERHEAD_BYTES),
    lingerMs: 60_000,
    maxInFlight: 2,
    now: () => clock,
    send: (messages) =>
      new Promise<void>((resolve, reject) => sends.push({ messages, settle: (error) => (error ? reject(error) : resolve()) })),
    onAcknowledged: (batch) => acknowledged.push(batch),
    ...overrides,
  });
  return { accumulator, sends, acknowledged, tick: (ms: number) => (clock += ms) };
}

const value = Buffer.alloc(100);
const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('BatchAccumulator', () => {
  it('sends a batch once full, one partition after another, and times each record to its ack', async () => {
    const { accumulator, sends, acknowledged, tick } = setUp();
    for (let i = 0; i < 6; i++) {
      expect(accumulator.add(value)).toBeUndefined();
      tick(1);
    }
    expect(sends.map((s) => s.messages.map((m) => m.partition))).toEqual([[0, 0, 0], [1, 1, 1]]);
    tick(10);
    sends[0]!.settle();
    await settled();
    expect(acknowledged).toEqual([{ partition: 0, records: 3, bytes: 300, addedAt: [0, 1, 2], acknowledgedAt: 16 }]);
    expect(accumulator.sends).toBe(2);
  });

  it('makes the caller wait while a full batch waits for a free slot, and flush waits for every ack', async () => {
    const { accumulator, sends, acknowledged } = setUp({ maxInFlight: 1 });
    for (let i = 0; i < 5; i++) expect(accumulator.add(value)).toBeUndefined();
    const wait = accumulator.add(value);
    expect(wait).toBeInstanceOf(Promise);
    let resumed = false;
    void wait!.then(() => (resumed = true));
    await settled();
    expect(resumed).toBe(false);
    sends[0]!.settle();
    await settled();
    expect(resumed).toBe(true);
    expect(sends).toHaveLength(2);

    accumulator.add(value);
    let flushed = false;
    const flush = accumulator.flush().then(() => (flushed = true));
    sends[1]!.settle();
    await settled();
    expect(flushed).toBe(false);
    expect(sends[2]!.messages).toHaveLength(1);
    sends[2]!.settle();
    await flush;
    expect(acknowledged.map((b) => b.records)).toEqual([3, 3, 1]);
  });

  it('sends a batch that is not full after linger-ms', async () => {
    const { accumulator, sends } = setUp({ lingerMs: 5 });
    accumulator.add(value);
    expect(sends).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sends.map((s) => s.messages.length)).toEqual([1]);
  });

  it('keeps filling a lingered batch while every slot is busy, and sends it when one frees', async () => {
    const { accumulator, sends } = setUp({ lingerMs: 5, maxInFlight: 1 });
    accumulator.add(value);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sends).toHaveLength(1);
    accumulator.add(value);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(accumulator.add(value)).toBeUndefined();
    expect(sends).toHaveLength(1);
    sends[0]!.settle();
    await settled();
    expect(sends.map((s) => s.messages.length)).toEqual([1, 2]);
  });

  it('starts at the given partition', () => {
    const { accumulator, sends } = setUp({ firstPartitionIndex: 4, batchSizeBytes: 1 });
    accumulator.add(value);
    accumulator.add(value);
    expect(sends.map((s) => s.messages[0]!.partition)).toEqual([1, 2]);
  });

  it('stops after a failed send and reports its error', async () => {
    const { accumulator, sends } = setUp({ batchSizeBytes: 1 });
    accumulator.add(value);
    sends[0]!.settle(new Error('NOT_ENOUGH_REPLICAS'));
    await settled();
    expect(() => accumulator.add(value)).toThrow('NOT_ENOUGH_REPLICAS');
    await expect(accumulator.flush()).rejects.toThrow('NOT_ENOUGH_REPLICAS');
    expect(sends).toHaveLength(1);
  });
});
