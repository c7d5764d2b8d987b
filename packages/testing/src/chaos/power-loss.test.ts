import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FSYNC_LEDGER_FILE } from '@quill/storage';
import { afterEach, describe, expect, it } from 'vitest';
import { rollBackUnsyncedWrites } from './power-loss.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-power-loss-'));
  dirs.push(dir);
  return dir;
}

describe('rollBackUnsyncedWrites', () => {
  it('cuts each file back to its last fsynced length and empties segments never synced', () => {
    const ledger = tempDir();
    const data = tempDir();
    fs.mkdirSync(path.join(data, 'topic-0'));
    const synced = path.join(data, 'topic-0', '00000000000000000000.log');
    const neverSynced = path.join(data, 'topic-0', '00000000000000000100.log');
    const checkpoint = path.join(data, 'topic-0', 'recovery-point');
    fs.writeFileSync(synced, Buffer.alloc(300));
    fs.writeFileSync(neverSynced, Buffer.alloc(50));
    fs.writeFileSync(checkpoint, '7\n');
    fs.writeFileSync(
      path.join(ledger, FSYNC_LEDGER_FILE),
      [JSON.stringify({ file: synced, length: 100 }), JSON.stringify({ file: synced, length: 200 }), '{"file": "torn'].join('\n'),
    );

    const summary = rollBackUnsyncedWrites(ledger, [data]);

    expect(fs.statSync(synced).size).toBe(200);
    expect(fs.statSync(neverSynced).size).toBe(0);
    expect(fs.readFileSync(checkpoint, 'utf8')).toBe('7\n');
    expect(summary).toEqual({ filesTruncated: 2, bytesDropped: 150 });
  });
});
