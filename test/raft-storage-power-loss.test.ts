import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LevelRaftStorage } from '@quill/controller';
import { UnsyncedFs, unsyncedFsUnavailableReason } from '@quill/testing';
import { afterEach, describe, expect, it } from 'vitest';

// The controllers' LevelDB under the power-loss filesystem: every Raft entry whose synced write
// returned must survive, also when the power goes just after LevelDB started a new write-ahead log
// (whose directory entry LevelDB 1.20 fsyncs only with the compaction that follows).

const WRITER = fileURLToPath(new URL('./support/raft-storage-writer.ts', import.meta.url));
const unavailable = unsyncedFsUnavailableReason();
if (unavailable !== undefined) console.warn(`skipping the LevelDB power-loss test: ${unavailable}`);

let disk: UnsyncedFs | undefined;
let writer: ChildProcess | undefined;
let tmp: string | undefined;
afterEach(async () => {
  writer?.kill('SIGKILL');
  await disk?.unmount();
  if (tmp !== undefined) fs.rmSync(tmp, { recursive: true, force: true });
  disk = writer = tmp = undefined;
});

/** Starts the writer and resolves with the last synced index once it stopped itself in the window. */
function runWriter(raftDir: string): Promise<number> {
  writer = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', WRITER], {
    env: { ...process.env, RAFT_DIR: raftDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  writer.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    writer!.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('no window\n')) reject(new Error('LevelDB never started a second write-ahead log'));
      if (!stdout.includes('window\n')) return;
      const synced = [...stdout.matchAll(/^synced (\d+)$/gm)].map((m) => Number(m[1]));
      resolve(Math.max(...synced));
    });
    writer!.once('exit', (code, signal) => reject(new Error(`the writer exited (${code ?? signal}) before the window: ${stderr}`)));
  });
}

describe.skipIf(unavailable !== undefined)('LevelRaftStorage after a power loss', () => {
  it('keeps every entry whose synced write returned, when the power goes as LevelDB starts a new write-ahead log', async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-raft-power-'));
    disk = await UnsyncedFs.mount(path.join(tmp, 'mnt'), path.join(tmp, 'store'));
    const raftDir = path.join(disk.mountpoint, 'raft');
    const synced = await runWriter(raftDir);
    const exited = new Promise((resolve) => writer!.once('exit', resolve));
    writer!.kill('SIGKILL');
    await exited;
    const lost = await disk.crash();
    // The model took something back (unsynced LevelDB bookkeeping at least), or it proves nothing.
    expect(lost.filesRolledBack + lost.entriesUndone).toBeGreaterThan(0);

    const storage = await LevelRaftStorage.open(raftDir, { voters: [1], observers: [] });
    try {
      expect(storage.lastIndex()).toBeGreaterThanOrEqual(synced);
      const entries = storage.entries(1, synced + 1, Number.MAX_SAFE_INTEGER);
      expect(entries.map((e) => e.index)).toEqual(Array.from({ length: synced }, (_, i) => i + 1));
      for (const entry of entries) expect(entry.data[0]).toBe(entry.index % 251);
      expect(storage.hardState.commit).toBeGreaterThanOrEqual(synced);
    } finally {
      await storage.close();
    }
  });
});
