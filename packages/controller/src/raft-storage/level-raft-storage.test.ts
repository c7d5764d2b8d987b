import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Entry, HardState, Ready, Snapshot } from '@quill/raft';
import { ClassicLevel } from 'classic-level';
import { afterAll, describe, expect, it } from 'vitest';
import { LevelRaftStorage } from './level-raft-storage.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-raft-storage-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const MEMBERSHIP = { voters: [1, 2, 3], observers: [] };
let dirs = 0;

function entries(first: number, last: number, term: number): Entry[] {
  const out: Entry[] = [];
  for (let index = first; index <= last; index++) out.push({ index, term, type: 'normal', data: new Uint8Array([index, term]) });
  return out;
}

function ready(parts: { entries?: Entry[]; snapshot?: Snapshot; hardState?: HardState }): Ready {
  return {
    hardState: parts.hardState,
    softState: undefined,
    snapshot: parts.snapshot,
    entries: parts.entries ?? [],
    mustSync: true,
    messages: [],
    committedEntries: [],
  };
}

function snapshotAt(index: number, term: number): Snapshot {
  return { index, term, ...MEMBERSHIP, data: new Uint8Array([index]) };
}

/** The log as (index, term) pairs after the snapshot. */
function log(storage: LevelRaftStorage): Array<[number, number]> {
  return storage.entries(storage.firstIndex(), storage.lastIndex() + 1, Infinity).map((entry) => [entry.index, entry.term]);
}

async function withStorage(body: (open: () => Promise<LevelRaftStorage>, dir: string) => Promise<void>): Promise<void> {
  const dir = path.join(root, `db-${dirs++}`);
  const opened: LevelRaftStorage[] = [];
  try {
    await body(async () => {
      const storage = await LevelRaftStorage.open(dir, MEMBERSHIP);
      opened.push(storage);
      return storage;
    }, dir);
  } finally {
    for (const storage of opened) await storage.close();
  }
}

describe('LevelRaftStorage', () => {
  it('keeps entries, hard state and snapshot across a reopen', async () => {
    await withStorage(async (open) => {
      const storage = await open();
      await storage.persist(ready({ entries: entries(1, 4, 1), hardState: { term: 1, vote: 2, commit: 3 } }));
      await storage.close();
      const reopened = await open();
      expect(log(reopened)).toEqual([[1, 1], [2, 1], [3, 1], [4, 1]]);
      expect(reopened.initialState().hardState).toEqual({ term: 1, vote: 2, commit: 3 });
    });
  });

  it('discards the whole log when an installed snapshot does not match it, also after a reopen', async () => {
    await withStorage(async (open) => {
      const storage = await open();
      await storage.persist(ready({ entries: entries(1, 10, 1), hardState: { term: 1, vote: 1, commit: 2 } }));
      // A leader of term 2 whose entry 5 is of term 2: our entries 6..10 of term 1 are stale.
      await storage.persist(ready({ snapshot: snapshotAt(5, 2), hardState: { term: 2, vote: 0, commit: 5 } }));
      expect([storage.firstIndex(), storage.lastIndex()]).toEqual([6, 5]);
      await storage.close();
      const reopened = await open();
      expect(reopened.snapshot().index).toBe(5);
      expect([reopened.firstIndex(), reopened.lastIndex()]).toEqual([6, 5]);
      expect(log(reopened)).toEqual([]);
    });
  });

  it('leaves no stale entry beyond the new ones that follow an installed snapshot', async () => {
    await withStorage(async (open) => {
      const storage = await open();
      await storage.persist(ready({ entries: entries(1, 10, 1) }));
      await storage.persist(ready({ snapshot: snapshotAt(5, 2) }));
      await storage.persist(ready({ entries: entries(6, 7, 2) }));
      await storage.persist(ready({ entries: entries(8, 8, 3) }));
      expect(log(storage)).toEqual([[6, 2], [7, 2], [8, 3]]);
      await storage.close();
      expect(log(await open())).toEqual([[6, 2], [7, 2], [8, 3]]);
    });
  });

  it('keeps the entries that follow a snapshot whose last entry it holds (Raft, Figure 13)', async () => {
    await withStorage(async (open) => {
      const storage = await open();
      await storage.persist(ready({ entries: [...entries(1, 5, 1), ...entries(6, 8, 2)] }));
      await storage.persist(ready({ snapshot: snapshotAt(5, 1) }));
      expect(log(storage)).toEqual([[6, 2], [7, 2], [8, 2]]);
      await storage.close();
      const reopened = await open();
      expect(reopened.firstIndex()).toBe(6);
      expect(log(reopened)).toEqual([[6, 2], [7, 2], [8, 2]]);
    });
  });

  it('writes a snapshot and the entries after it in one Ready', async () => {
    await withStorage(async (open) => {
      const storage = await open();
      await storage.persist(ready({ entries: entries(1, 10, 1) }));
      await storage.persist(ready({ snapshot: snapshotAt(5, 2), entries: entries(6, 7, 2) }));
      await storage.close();
      expect(log(await open())).toEqual([[6, 2], [7, 2]]);
    });
  });

  it('compacts the log up to a snapshot it takes itself', async () => {
    await withStorage(async (open) => {
      const storage = await open();
      await storage.persist(ready({ entries: entries(1, 6, 1) }));
      await storage.compact(4, new Uint8Array([4]));
      expect(log(storage)).toEqual([[5, 1], [6, 1]]);
      await storage.close();
      const reopened = await open();
      expect(reopened.snapshot()).toMatchObject({ index: 4, term: 1 });
      expect(log(reopened)).toEqual([[5, 1], [6, 1]]);
    });
  });

  it('opens to the run of entries after the snapshot and drops keys outside it', async () => {
    await withStorage(async (open, dir) => {
      const storage = await open();
      await storage.persist(ready({ entries: entries(1, 6, 1) }));
      await storage.compact(2, new Uint8Array([2]));
      await storage.close();
      // What an older version could leave: an entry the snapshot covers, and one after a gap.
      const raw = new ClassicLevel<string, Buffer>(dir, { keyEncoding: 'utf8', valueEncoding: 'buffer' });
      const staleEntry = Buffer.from([0, 0, 0, 0, 0, 0, 0, 1, 0]);
      await raw.batch([
        { type: 'put', key: `e:${(1).toString(16).padStart(16, '0')}`, value: staleEntry },
        { type: 'put', key: `e:${(9).toString(16).padStart(16, '0')}`, value: staleEntry },
      ]);
      await raw.close();
      const reopened = await open();
      expect(log(reopened)).toEqual([[3, 1], [4, 1], [5, 1], [6, 1]]);
      await reopened.close();
      const reread = new ClassicLevel<string, Buffer>(dir, { keyEncoding: 'utf8', valueEncoding: 'buffer' });
      expect(await reread.keys({ gte: 'e:', lt: 'e:~' }).all()).toHaveLength(4);
      await reread.close();
    });
  });

  it('replaces a conflicting tail and drops what lies beyond the new entries', async () => {
    await withStorage(async (open) => {
      const storage = await open();
      await storage.persist(ready({ entries: entries(1, 6, 1) }));
      await storage.persist(ready({ entries: entries(3, 4, 2) }));
      await storage.close();
      expect(log(await open())).toEqual([[1, 1], [2, 1], [3, 2], [4, 2]]);
    });
  });
});
