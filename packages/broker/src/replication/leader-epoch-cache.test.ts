import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LeaderEpochCache, readEpochCheckpoint, writeEpochCheckpoint } from './leader-epoch-cache.js';

describe('LeaderEpochCache', () => {
  const cache = (): LeaderEpochCache =>
    new LeaderEpochCache([
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 10 },
      { epoch: 5, startOffset: 25 },
    ]);

  it('answers where an epoch ends, as Kafka does', () => {
    expect(cache().endOffsetFor(5, 40)).toEqual({ epoch: 5, endOffset: 40 });
    expect(cache().endOffsetFor(3, 40)).toEqual({ epoch: 3, endOffset: 25 });
    // An epoch this log never saw ends where the next known one starts, reported as the one before it.
    expect(cache().endOffsetFor(4, 40)).toEqual({ epoch: 3, endOffset: 25 });
    expect(cache().endOffsetFor(0, 40)).toEqual({ epoch: 0, endOffset: 0 });
    expect(cache().endOffsetFor(9, 40)).toEqual({ epoch: -1, endOffset: -1 });
    expect(cache().endOffsetFor(-1, 40)).toEqual({ epoch: -1, endOffset: -1 });
  });

  it('assigns newer epochs only, dropping entries the new start supersedes', () => {
    const c = cache();
    expect(c.assign(5, 30)).toBe(false);
    expect(c.assign(2, 30)).toBe(false);
    expect(c.assign(6, 20)).toBe(true);
    expect(c.all).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 10 },
      { epoch: 6, startOffset: 20 },
    ]);
  });

  it('truncates from the end and from the start', () => {
    const c = cache();
    c.truncateFromEnd(25);
    expect(c.latestEpoch).toBe(3);
    c.truncateFromStart(12);
    expect(c.all).toEqual([{ epoch: 3, startOffset: 12 }]);
  });

  it('round-trips through its checkpoint file, and ignores a torn one', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-epochs-'));
    try {
      const file = path.join(dir, 'leader-epoch-checkpoint');
      expect(readEpochCheckpoint(file)).toEqual([]);
      writeEpochCheckpoint(file, cache().all);
      expect(readEpochCheckpoint(file)).toEqual(cache().all);
      fs.writeFileSync(file, '0\n3\n1 0\n');
      expect(readEpochCheckpoint(file)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
