// `quill chaos` refuses bad options with one clear line and a non-zero exit, before starting anything.

import { describe, expect, it } from 'vitest';
import { runQuill, type QuillRun } from './support/run-quill.js';

const quill = (args: string[]): Promise<QuillRun> => runQuill(args);

describe('quill chaos options', () => {
  it('rejects an unknown fault', async () => {
    const { code, stderr } = await quill(['chaos', '--faults', 'kill,meteor']);
    expect(code).toBe(1);
    expect(stderr).toContain("unknown fault 'meteor'");
  }, 60_000);

  it('rejects min.insync.replicas above the replication factor', async () => {
    const { code, stderr } = await quill(['chaos', '--faults', 'all', '--min-insync-replicas', '4']);
    expect(code).toBe(1);
    expect(stderr).toContain('--min-insync-replicas must be at most 3');
  }, 60_000);

  it('rejects a duration that is not a positive integer', async () => {
    const { code, stderr } = await quill(['chaos', '--duration', '0']);
    expect(code).toBe(1);
    expect(stderr).toContain('--duration must be a positive integer');
  }, 60_000);
});
