import { SeededRandom, seedFromEnv } from '@quill/random';
import { decodeBatch } from '@quill/records';
import { describe, expect, it } from 'vitest';
import { RecordAccumulator } from './accumulator.js';
import { BATCH_HEADER_BYTES, partitionKey, type BatchDraft, type BatchSettings } from './record-batch-draft.js';

const SEED = seedFromEnv(0x5eed_acc);
const ROUNDS = 200;
const ALL: BatchSettings = { acks: -1, timeoutMs: 30_000, compression: 'none' };

/** The values of a taken batch, decoded from what its builder encoded. */
function values(batch: BatchDraft): string[] {
  return decodeBatch(batch.builder.build()).records.map((r) => r.value?.toString() ?? 'null');
}

describe('RecordAccumulator', () => {
  it('fills a partition’s batch up to batchSize, then opens the next; a record never waits behind a full batch', () => {
    const accumulator = new RecordAccumulator({ batchSizeBytes: BATCH_HEADER_BYTES + 30, lingerMs: 100 });
    for (let i = 0; i < 4; i++) accumulator.append('t', 0, { value: `${i}` }, 10, ALL, 0);
    // Three records fit (61 + 30), the fourth opens a second batch: the first is full, so ready at once.
    expect(accumulator.ready(0, false)).toEqual({ keys: [partitionKey('t', 0)], nextReadyAtMs: undefined });
    const first = accumulator.take(partitionKey('t', 0));
    expect(values(first)).toEqual(['0', '1', '2']);
    // The second lingers until 100 ms after its first record.
    expect(accumulator.ready(99, false)).toEqual({ keys: [], nextReadyAtMs: 100 });
    expect(accumulator.ready(100, false).keys).toEqual([partitionKey('t', 0)]);
    expect(accumulator.ready(50, true).keys).toEqual([partitionKey('t', 0)]);
    expect(values(accumulator.take(partitionKey('t', 0)))).toEqual(['3']);
    expect(accumulator.isEmpty).toBe(true);
  });

  it('puts a record larger than batchSize in a batch of its own', () => {
    const accumulator = new RecordAccumulator({ batchSizeBytes: 100, lingerMs: 0 });
    accumulator.append('t', 0, { value: 'small' }, 10, ALL, 0);
    accumulator.append('t', 0, { value: 'big' }, 500, ALL, 0);
    accumulator.append('t', 0, { value: 'small-again' }, 10, ALL, 0);
    const key = partitionKey('t', 0);
    expect([accumulator.take(key), accumulator.take(key), accumulator.take(key)].map((b) => b.builder.recordCount)).toEqual([1, 1, 1]);
  });

  it('never mixes acks, timeout or compression in one batch', () => {
    const accumulator = new RecordAccumulator({ batchSizeBytes: 10_000, lingerMs: 0 });
    accumulator.append('t', 0, { value: 'a' }, 10, ALL, 0);
    accumulator.append('t', 0, { value: 'b' }, 10, { ...ALL, compression: 'gzip' }, 0);
    accumulator.append('t', 0, { value: 'c' }, 10, { ...ALL, compression: 'gzip' }, 0);
    accumulator.append('t', 0, { value: 'd' }, 10, { ...ALL, acks: 1 }, 0);
    // Sticky partitioning's probe: a record that would open a batch is not added.
    expect(accumulator.append('t', 0, { value: 'not-added' }, 10, ALL, 0, true)).toBeUndefined();
    const key = partitionKey('t', 0);
    const batches = [accumulator.take(key), accumulator.take(key), accumulator.take(key)];
    expect(batches.map((b) => values(b).join(''))).toEqual(['a', 'bc', 'd']);
  });

  it(`keeps every partition's records in order, each batch within batchSize (${ROUNDS} seeded rounds, seed ${SEED})`, () => {
    const random = new SeededRandom(SEED);
    for (let round = 0; round < ROUNDS; round++) {
      const batchSize = BATCH_HEADER_BYTES + random.int(1, 400);
      const lingerMs = random.int(0, 20);
      const accumulator = new RecordAccumulator({ batchSizeBytes: batchSize, lingerMs });
      const partitions = random.int(1, 6);
      const appended = new Map<string, string[]>();
      const taken = new Map<string, string[]>();
      const takenBatches: BatchDraft[] = [];
      const counts = new Map<BatchDraft, number>();
      let now = 0;
      const takeReady = (sendAll: boolean): void => {
        const { keys, nextReadyAtMs } = accumulator.ready(now, sendAll);
        if (nextReadyAtMs !== undefined) expect(nextReadyAtMs, `seed ${SEED} round ${round}`).toBeGreaterThan(now);
        for (const key of keys) {
          if (!random.chance(0.7)) continue;
          const batch = accumulator.take(key);
          expect(batch.builder.recordCount).toBeGreaterThan(0);
          takenBatches.push(batch);
          counts.set(batch, batch.builder.recordCount);
          taken.set(key, [...(taken.get(key) ?? []), ...values(batch)]);
        }
      };
      for (let i = 0; i < random.int(1, 300); i++) {
        now += random.int(0, 3);
        const partition = random.int(0, partitions - 1);
        const bytes = random.int(1, 120);
        const settings = random.chance(0.05) ? { ...ALL, acks: 1 as const } : ALL;
        const value = `${round}:${i}`;
        const batch = accumulator.append('t', partition, { value }, bytes, settings, now);
        // The record went into the batch returned: its count grew by one.
        expect(batch.builder.recordCount).toBe((counts.get(batch) ?? 0) + 1);
        counts.set(batch, batch.builder.recordCount);
        const key = partitionKey('t', partition);
        appended.set(key, [...(appended.get(key) ?? []), value]);
        if (random.chance(0.2)) takeReady(false);
      }
      while (!accumulator.isEmpty) takeReady(true);
      expect(taken, `seed ${SEED} round ${round}`).toEqual(appended);
      for (const batch of takenBatches) {
        if (counts.get(batch)! > 1) expect(batch.estimatedBytes, `seed ${SEED} round ${round}`).toBeLessThanOrEqual(batchSize);
      }
    }
  });
});
