import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../test-support/temp-log.js';
import { INDEX_ENTRY_SIZE, INDEX_WRITE_BATCH_ENTRIES, SparseIndex } from './sparse-index.js';

const accept = (): boolean => true;

describe('SparseIndex lazy writes', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  const indexFile = (): string => {
    const dir = makeTempDir('quill-index-');
    dirs.push(dir);
    return path.join(dir, '0.index');
  };

  it('keeps entries in memory until a flush, then writes them all', async () => {
    const file = indexFile();
    const index = SparseIndex.create(file);
    index.append(0, 0);
    index.append(10, 4096);
    expect(index.floor(12)).toEqual({ key: 10, value: 4096 });
    expect(fs.statSync(file).size).toBe(0);
    await index.flush();
    expect(fs.statSync(file).size).toBe(2 * INDEX_ENTRY_SIZE);
    index.closeFile();
    expect(SparseIndex.load(file, accept)?.size).toBe(2);
  });

  it('writes once a full batch of entries is pending, and the rest on close', () => {
    const file = indexFile();
    const index = SparseIndex.create(file);
    for (let i = 0; i < INDEX_WRITE_BATCH_ENTRIES + 3; i++) index.append(i, i * 100);
    expect(fs.statSync(file).size).toBe(INDEX_WRITE_BATCH_ENTRIES * INDEX_ENTRY_SIZE);
    index.closeFile();
    expect(SparseIndex.load(file, accept)?.size).toBe(INDEX_WRITE_BATCH_ENTRIES + 3);
  });

  it('truncates pending entries too', () => {
    const file = indexFile();
    const index = SparseIndex.create(file);
    for (let i = 0; i < 5; i++) index.append(i, i * 100);
    index.truncateWhile((entry) => entry.key < 2);
    index.append(7, 700);
    index.closeFile();
    const loaded = SparseIndex.load(file, accept);
    expect([0, 1, 2].map((i) => loaded?.entry(i).key)).toEqual([0, 1, 7]);
    expect(loaded?.size).toBe(3);
  });
});
