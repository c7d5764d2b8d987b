import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Entry, Ready } from '@quill/raft';
import { SeededRandom } from '@quill/random';
import { afterAll, describe, expect, it } from 'vitest';
import { LevelRaftStorage } from './level-raft-storage.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-raft-storage-size-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const MEMBERSHIP = { voters: [1, 2, 3], observers: [] };

function entry(index: number, term: number, size: number): Entry {
  return { index, term, type: 'normal', data: new Uint8Array(size) };
}

function ready(entries: Entry[], snapshot?: Ready['snapshot']): Ready {
  return { hardState: undefined, softState: undefined, snapshot, entries, mustSync: false, messages: [], committedEntries: [] };
}

/** The stored bytes recounted from the log the storage serves: term and type (9 bytes) plus data, per entry. */
function recount(storage: LevelRaftStorage): number {
  return storage.entries(storage.firstIndex(), storage.lastIndex() + 1, Infinity).reduce((sum, e) => sum + 9 + e.data.byteLength, 0);
}

describe('LevelRaftStorage size', () => {
  it('grows by each appended entry and reopens with the same count', async () => {
    const dir = path.join(root, 'grow');
    const storage = await LevelRaftStorage.open(dir, MEMBERSHIP);
    expect(storage.sizeBytes).toEqual({ entries: 0, snapshot: 0 });
    await storage.persist(ready([entry(1, 1, 100), entry(2, 1, 50)]));
    expect(storage.sizeBytes.entries).toBe(109 + 59);
    await storage.persist(ready([entry(3, 1, 1000)]));
    expect(storage.sizeBytes.entries).toBe(109 + 59 + 1009);
    await storage.compact(2, new Uint8Array(40));
    expect(storage.sizeBytes).toEqual({ entries: 1009, snapshot: 40 });
    await storage.close();
    const reopened = await LevelRaftStorage.open(dir, MEMBERSHIP);
    expect(reopened.sizeBytes).toEqual({ entries: 1009, snapshot: 40 });
    await reopened.close();
  });

  it('matches a recount through appends, tail replacements, compactions and installed snapshots', async () => {
    const random = new SeededRandom(19);
    const storage = await LevelRaftStorage.open(path.join(root, 'random'), MEMBERSHIP);
    try {
      let term = 1;
      for (let step = 0; step < 200; step++) {
        const first = storage.firstIndex();
        const last = storage.lastIndex();
        const action = random.int(0, 9);
        if (action < 6) {
          // Append, sometimes from inside the log so a new leader's entries replace the tail.
          const from = random.chance(0.3) && last >= first ? random.int(first, last) : last + 1;
          if (from <= last) term++;
          const count = random.int(1, 5);
          await storage.persist(ready(Array.from({ length: count }, (_, i) => entry(from + i, term, random.int(0, 300)))));
        } else if (action < 8 && last >= first) {
          await storage.compact(random.int(first, last), new Uint8Array(random.int(0, 64)));
        } else {
          // A leader's snapshot: sometimes one the log holds (the tail stays), sometimes beyond it.
          const holds = last >= first && random.chance(0.5);
          const index = holds ? random.int(first, last) : last + random.int(1, 4);
          const snapshotTerm = holds ? storage.term(index) : ++term;
          await storage.persist(ready([], { index, term: snapshotTerm, ...MEMBERSHIP, data: new Uint8Array(random.int(0, 64)) }));
        }
        expect(storage.sizeBytes.entries).toBe(recount(storage));
      }
    } finally {
      await storage.close();
    }
  });
});
