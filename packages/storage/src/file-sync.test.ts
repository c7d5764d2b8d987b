import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { batchOf, makeTempDir, silentLogger } from './test-support/temp-log.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = makeTempDir('quill-file-sync-');
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** The switches are read once at load: a fresh copy of the module sees the stubbed environment. */
async function loadFileSync(env: Record<string, string>): Promise<typeof import('./file-sync.js')> {
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  vi.resetModules();
  return import('./file-sync.js');
}

describe('writeFileDurably', () => {
  it('replaces the content and leaves no temporary file behind', async () => {
    const { writeFileDurably, writeFileDurablySync } = await loadFileSync({});
    const dir = tempDir();
    const file = path.join(dir, 'checkpoint');
    await writeFileDurably(file, 'one\n');
    expect(fs.readFileSync(file, 'utf8')).toBe('one\n');
    writeFileDurablySync(file, 'two\n');
    expect(fs.readFileSync(file, 'utf8')).toBe('two\n');
    expect(fs.readdirSync(dir)).toEqual(['checkpoint']);
  });
});

describe('createDirectoryDurably', () => {
  it('creates the missing directories and is a no-op when they exist', async () => {
    const { createDirectoryDurably } = await loadFileSync({});
    const nested = path.join(tempDir(), 'a', 'b', 'c');
    createDirectoryDurably(nested);
    expect(fs.statSync(nested).isDirectory()).toBe(true);
    createDirectoryDurably(nested);
    expect(fs.readdirSync(path.dirname(nested))).toEqual(['c']);
  });
});

describe('syncDirectoryContents', () => {
  it('syncs a directory of files and skips subdirectories', async () => {
    const { syncDirectoryContents } = await loadFileSync({});
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'CURRENT'), 'MANIFEST-000001\n');
    fs.mkdirSync(path.join(dir, 'sub'));
    syncDirectoryContents(dir);
    expect(fs.readdirSync(dir).sort()).toEqual(['CURRENT', 'sub']);
  });
});

describe('QUILL_TEST_FSYNC_FAULTS', () => {
  it('fails every fsync with EIO while the fault file exists, and keeps the old content', async () => {
    const faults = tempDir();
    const sync = await loadFileSync({ QUILL_TEST_FSYNC_FAULTS: faults });
    const dir = tempDir();
    const file = path.join(dir, 'checkpoint');
    sync.writeFileDurablySync(file, 'before\n');
    const fd = fs.openSync(path.join(dir, 'data'), 'w');
    try {
      fs.writeFileSync(path.join(faults, sync.FSYNC_FAULT_FILE), '');
      const eio = expect.objectContaining({ code: 'EIO' });
      await expect(sync.fdatasync(fd)).rejects.toEqual(eio);
      await expect(sync.fdatasyncSegmentData(fd)).rejects.toEqual(eio);
      await expect(sync.fsyncDirectory(dir)).rejects.toEqual(eio);
      await expect(sync.writeFileDurably(file, 'after\n')).rejects.toEqual(eio);
      expect(() => sync.writeFileDurablySync(file, 'after\n')).toThrowError(eio);
      expect(() => sync.fsyncDirectorySync(dir)).toThrowError(eio);
      expect(() => sync.syncDirectoryContents(dir)).toThrowError(eio);
      expect(() => sync.createDirectoryDurably(path.join(dir, 'new', 'nested'))).toThrowError(eio);
      expect(fs.readFileSync(file, 'utf8')).toBe('before\n');
      fs.rmSync(path.join(dir, 'new'), { recursive: true });
      expect(fs.readdirSync(dir).sort()).toEqual(['checkpoint', 'data']);

      fs.rmSync(path.join(faults, sync.FSYNC_FAULT_FILE));
      await sync.fdatasync(fd);
      await sync.writeFileDurably(file, 'after\n');
      expect(fs.readFileSync(file, 'utf8')).toBe('after\n');
    } finally {
      fs.closeSync(fd);
    }
  });
});

describe('QUILL_TEST_FSYNC_FAULTS through a partition log', () => {
  it('fails the ack path as a disk error would: waiters get KAFKA_STORAGE_ERROR, appends stop', async () => {
    const faults = tempDir();
    vi.stubEnv('QUILL_TEST_FSYNC_FAULTS', faults);
    vi.resetModules();
    const { PartitionLog } = await import('./log/partition-log.js');
    const log = await PartitionLog.open(path.join(tempDir(), 't-0'), { logger: silentLogger });
    try {
      log.append(batchOf(['a']), { assignOffsets: true });
      await log.waitForDurable(1);
      fs.writeFileSync(path.join(faults, 'fail-fsync'), '');
      log.append(batchOf(['b']), { assignOffsets: true });
      const failure = expect.objectContaining({ name: 'StorageError', code: 'KAFKA_STORAGE_ERROR', message: expect.stringContaining('EIO') });
      await expect(log.waitForDurable(2)).rejects.toEqual(failure);
      expect(log.flushedOffset).toBe(1);
      expect(() => log.append(batchOf(['c']), { assignOffsets: true })).toThrowError(failure);
    } finally {
      fs.rmSync(path.join(faults, 'fail-fsync'), { force: true });
      await log.close();
    }
  });
});

describe('QUILL_TEST_SKIP_SEGMENT_FSYNC', () => {
  it('reports the ack-path segment sync as done without issuing it', async () => {
    const sync = await loadFileSync({ QUILL_TEST_SKIP_SEGMENT_FSYNC: '1' });
    // A closed descriptor makes a real fdatasync fail with EBADF: success proves it was skipped.
    const fd = fs.openSync(path.join(tempDir(), 'data'), 'w');
    fs.closeSync(fd);
    await expect(sync.fdatasyncSegmentData(fd)).resolves.toBeUndefined();
    await expect(sync.fdatasync(fd)).rejects.toEqual(expect.objectContaining({ code: 'EBADF' }));
  });

  it('a partition log acknowledges appends whose segment data was never synced (the fsync ledger shows none)', async () => {
    const ledger = tempDir();
    const logged = async (skip: boolean): Promise<string[]> => {
      vi.stubEnv('QUILL_TEST_FSYNC_LEDGER', ledger);
      vi.stubEnv('QUILL_TEST_SKIP_SEGMENT_FSYNC', skip ? '1' : '');
      vi.resetModules();
      const { PartitionLog } = await import('./log/partition-log.js');
      const { FSYNC_LEDGER_FILE } = await import('./file-sync.js');
      fs.rmSync(path.join(ledger, FSYNC_LEDGER_FILE), { force: true });
      const log = await PartitionLog.open(path.join(tempDir(), 't-0'), { logger: silentLogger });
      try {
        log.append(batchOf(['a']), { assignOffsets: true });
        await log.waitForDurable(1);
      } finally {
        await log.close();
      }
      const lines = fs.existsSync(path.join(ledger, FSYNC_LEDGER_FILE)) ? fs.readFileSync(path.join(ledger, FSYNC_LEDGER_FILE), 'utf8') : '';
      return lines
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => (JSON.parse(l) as { file: string }).file)
        .filter((f) => f.endsWith('.log'));
    };
    expect(await logged(false)).not.toEqual([]);
    expect(await logged(true)).toEqual([]);
  });
});
