import { SeededRandom, seedFromEnv } from '@quill/random';
import { describe, expect, it } from 'vitest';
import { Sequencer, type SequencedBatch } from './sequencer.js';

const SEED = seedFromEnv(0x5e9_0001);
const ROUNDS = 300;

function batch(id: number, key = 'p', baseSequence = id): SequencedBatch {
  return { id, key, baseSequence };
}

describe('Sequencer', () => {
  it('lets up to maxInFlight new batches of a partition go, and assigns consecutive sequences that wrap at 2^31-1', () => {
    const sequencer = new Sequencer<SequencedBatch>(2);
    sequencer.bind('p', 'A');
    expect(sequencer.assignSequence('p', 3)).toBe(0);
    expect(sequencer.assignSequence('p', 2)).toBe(3);
    const [a, b] = [batch(0, 'p', 0), batch(1, 'p', 3)];
    sequencer.sent(a);
    expect(sequencer.canSendNew('p', 'A')).toBe(true);
    sequencer.sent(b);
    expect(sequencer.canSendNew('p', 'A')).toBe(false);
    expect(sequencer.canSendNew('other', 'A')).toBe(true);
    sequencer.answered(a);
    sequencer.acknowledged(a);
    expect(sequencer.canSendNew('p', 'A')).toBe(true);

    const wrapping = new Sequencer<SequencedBatch>(1);
    wrapping.assignSequence('p', 2 ** 31 - 2);
    expect(wrapping.assignSequence('p', 3)).toBe(2 ** 31 - 2);
    expect(wrapping.assignSequence('p', 1)).toBe(1);
  });

  it('retries one at a time, oldest first, only once nothing of the partition is in flight', () => {
    const sequencer = new Sequencer<SequencedBatch>(5);
    const batches = [0, 1, 2].map((id) => batch(id));
    for (const b of batches) sequencer.sent(b);
    sequencer.answered(batches[1]!);
    sequencer.retryLater(batches[1]!, 10);
    expect(sequencer.canSendNew('p', 'A')).toBe(false);
    expect(sequencer.dueRetry('p', 10)).toBeUndefined(); // 0 and 2 still in flight
    sequencer.answered(batches[0]!);
    sequencer.answered(batches[2]!);
    sequencer.retryLater(batches[2]!, 0);
    expect(sequencer.retries(5)).toEqual({ due: [], nextDueAtMs: 10 });
    expect(sequencer.dueRetry('p', 10)).toBe(batches[1]);
    sequencer.sent(batches[1]!);
    expect(sequencer.dueRetry('p', 10)).toBeUndefined();
    sequencer.answered(batches[1]!);
    expect(sequencer.dueRetry('p', 10)).toBe(batches[2]);
  });

  it('counts the window from the oldest unsettled batch: answers that come back out of order do not let more go', () => {
    const sequencer = new Sequencer<SequencedBatch>(3);
    const [a, b, c, d] = [batch(0), batch(1), batch(2), batch(3)];
    for (const x of [a, b, c]) sequencer.sent(x);
    // b and c are acknowledged before a's answer: a is still unsettled, so b and c still count
    // (the broker appended them after a; one more would push a out of its last batches).
    for (const x of [b, c]) {
      sequencer.answered(x);
      sequencer.acknowledged(x);
    }
    expect(sequencer.canSendNew('p', 'A')).toBe(false);
    sequencer.answered(a);
    sequencer.acknowledged(a);
    expect(sequencer.canSendNew('p', 'A')).toBe(true);
    sequencer.sent(d);
    sequencer.answered(d);
    sequencer.acknowledged(d);
    expect(sequencer.isIdle).toBe(true);
  });

  it('says an out-of-order answer may be an overtaking only when an older batch was pending at send or still is', () => {
    const sequencer = new Sequencer<SequencedBatch>(5);
    const [a, b, c] = [batch(0), batch(1), batch(2)];
    sequencer.sent(a);
    sequencer.sent(b);
    sequencer.answered(a); // acknowledged before b's answer arrives
    sequencer.answered(b);
    expect(sequencer.mayHaveOvertaken(b)).toBe(true);
    sequencer.sent(c);
    sequencer.answered(c);
    expect(sequencer.mayHaveOvertaken(c)).toBe(false);
  });

  it('poisons a partition when a sequenced batch fails for good: its newer retries fail too, then reset starts over', () => {
    const sequencer = new Sequencer<SequencedBatch>(5);
    const [a, b, c] = [batch(0), batch(1), batch(2)];
    for (const x of [a, b, c]) sequencer.sent(x);
    for (const x of [a, b, c]) sequencer.answered(x);
    sequencer.retryLater(a, 0);
    sequencer.retryLater(c, 0);
    expect(sequencer.failed(b)).toEqual([c]);
    expect(sequencer.needsReset).toBe(true);
    expect(sequencer.canSendNew('p', 'A')).toBe(false);
    expect(sequencer.isIdle).toBe(false);
    expect(() => sequencer.reset()).toThrow(/invariant/);
    sequencer.sent(a);
    sequencer.answered(a);
    expect(sequencer.isIdle).toBe(false); // answered, not acknowledged yet
    sequencer.acknowledged(a);
    expect(sequencer.isIdle).toBe(true);
    sequencer.reset();
    expect(sequencer.needsReset).toBe(false);
    expect(sequencer.assignSequence('p', 1)).toBe(0);
    // A batch without sequences fails alone.
    const plain = batch(9, 'q', -1);
    sequencer.sent(plain);
    sequencer.answered(plain);
    expect(sequencer.failed(plain)).toEqual([]);
    expect(sequencer.needsReset).toBe(false);
  });

  it('restarts sequences at 0 for a new batch of another topic id (a re-created topic), once nothing of the old one is unsettled', () => {
    const sequencer = new Sequencer<SequencedBatch>(5);
    sequencer.bind('p', 'A');
    expect(sequencer.assignSequence('p', 3)).toBe(0);
    const a = batch(0, 'p', 0);
    sequencer.sent(a);
    // A batch for the re-created topic waits while one for the deleted topic is unsettled.
    expect(sequencer.canSendNew('p', 'B')).toBe(false);
    expect(() => sequencer.bind('p', 'B')).toThrow(/invariant/);
    expect(sequencer.canSendNew('p', 'A')).toBe(true);
    sequencer.answered(a);
    sequencer.acknowledged(a);
    expect(sequencer.topicIdOf('p')).toBe('A');
    expect(sequencer.canSendNew('p', 'B')).toBe(true);
    sequencer.bind('p', 'B');
    expect(sequencer.topicIdOf('p')).toBe('B');
    expect(sequencer.assignSequence('p', 1)).toBe(0);
    // The same id keeps counting.
    sequencer.bind('p', 'B');
    expect(sequencer.assignSequence('p', 1)).toBe(1);
  });

  it('rebinds a partition whose waiting batches are for a deleted topic: hands them back in id order, sequences from 0, not poisoned', () => {
    const sequencer = new Sequencer<SequencedBatch>(5);
    sequencer.bind('p', 'A');
    const batches = [0, 1, 2].map((id) => batch(id, 'p', sequencer.assignSequence('p', 1)));
    for (const b of batches) sequencer.sent(b);
    sequencer.answered(batches[0]!);
    sequencer.acknowledged(batches[0]!);
    sequencer.answered(batches[2]!);
    sequencer.retryLater(batches[2]!, 0);
    expect(() => sequencer.rebind('p', 'B')).toThrow(/in flight/);
    sequencer.answered(batches[1]!);
    sequencer.retryLater(batches[1]!, 0);
    // A failed batch of another partition of the old topic poisons only that one.
    sequencer.bind('q', 'A');
    const other = batch(3, 'q', sequencer.assignSequence('q', 1));
    sequencer.sent(other);
    sequencer.answered(other);
    sequencer.failed(other);
    expect(sequencer.rebind('p', 'B')).toEqual([batches[1], batches[2]]);
    expect(sequencer.topicIdOf('p')).toBe('B');
    expect(sequencer.dueRetry('p', 0)).toBeUndefined();
    expect(sequencer.canSendNew('p', 'B')).toBe(true);
    expect(sequencer.assignSequence('p', 2)).toBe(0);
    expect(sequencer.canSendNew('q', 'A')).toBe(false);
    expect(sequencer.rebind('q', 'B')).toEqual([]);
    expect(sequencer.needsReset).toBe(false);
    expect(sequencer.canSendNew('q', 'B')).toBe(true);
  });

  it(`delivers every partition's batches to a sequence-checking log exactly once and in order, whatever the answers (${ROUNDS} seeded rounds, seed ${SEED})`, () => {
    const random = new SeededRandom(SEED);
    for (let round = 0; round < ROUNDS; round++) {
      const maxInFlight = random.int(1, 5);
      const sequencer = new Sequencer<SequencedBatch & { count: number }>(maxInFlight);
      const partitions = ['a', 'b', 'c'].slice(0, random.int(1, 3));
      const toCreate = new Map(partitions.map((p) => [p, random.int(1, 25)]));
      // What a broker would hold: next expected sequence per partition, and the log.
      const expected = new Map(partitions.map((p) => [p, 0]));
      const log = new Map<string, number[]>(partitions.map((p) => [p, []]));
      const inFlight: Array<SequencedBatch & { count: number }> = [];
      let nextId = 0;
      let now = 0;
      for (let step = 0; step < 5000; step++) {
        now += random.int(0, 2);
        // Send what may go: due retries first, then new batches.
        for (const key of partitions) {
          const retry = sequencer.dueRetry(key, now);
          if (retry !== undefined) {
            sequencer.sent(retry);
            inFlight.push(retry);
          } else if ((toCreate.get(key) ?? 0) > 0 && sequencer.canSendNew(key, 'A') && random.chance(0.6)) {
            const count = random.int(1, 3);
            sequencer.bind(key, 'A');
            const b = { id: nextId++, key, baseSequence: sequencer.assignSequence(key, count), count };
            toCreate.set(key, toCreate.get(key)! - 1);
            sequencer.sent(b);
            inFlight.push(b);
          }
        }
        const perPartition = new Map<string, number>();
        for (const b of inFlight) perPartition.set(b.key, (perPartition.get(b.key) ?? 0) + 1);
        for (const count of perPartition.values()) expect(count, `seed ${SEED} round ${round}`).toBeLessThanOrEqual(maxInFlight);
        if (inFlight.length === 0) {
          if ([...toCreate.values()].every((n) => n === 0) && sequencer.isIdle) break;
          continue;
        }
        // The broker handles one request, in any order (requests may overtake each other).
        const b = inFlight.splice(random.int(0, inFlight.length - 1), 1)[0]!;
        const lost = random.chance(0.15);
        let outcome: 'ok' | 'retriable' | 'out-of-order';
        if (random.chance(0.15)) outcome = 'retriable'; // never reached the broker
        else if (b.baseSequence < expected.get(b.key)!) {
          // A duplicate: the broker recognises it only among the producer's last five batches.
          const recent = log.get(b.key)!.slice(-5);
          expect(recent, `seed ${SEED} round ${round}: a retry of ${b.baseSequence} older than the broker's last five batches`).toContain(b.baseSequence);
          outcome = 'ok';
        }
        else if (b.baseSequence === expected.get(b.key)!) {
          expected.set(b.key, b.baseSequence + b.count);
          log.get(b.key)!.push(b.baseSequence);
          outcome = lost ? 'retriable' : 'ok';
        } else outcome = 'out-of-order';
        sequencer.answered(b);
        if (outcome === 'ok') sequencer.acknowledged(b);
        if (outcome === 'out-of-order') {
          expect(sequencer.mayHaveOvertaken(b), `seed ${SEED} round ${round}: a gap no older batch explains`).toBe(true);
          sequencer.retryLater(b, now);
        } else if (outcome === 'retriable') sequencer.retryLater(b, now + random.int(0, 5));
      }
      expect(sequencer.isIdle, `seed ${SEED} round ${round}: stuck`).toBe(true);
      for (const key of partitions) {
        const sequences = log.get(key)!;
        expect([...sequences].sort((x, y) => x - y), `seed ${SEED} round ${round}`).toEqual(sequences);
        expect(new Set(sequences).size).toBe(sequences.length);
      }
    }
  });
});
