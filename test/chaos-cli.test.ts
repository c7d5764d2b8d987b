// `quill chaos` refuses bad options with one clear line and a non-zero exit, before starting anything.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '@quill/testing';
import { describe, expect, it } from 'vitest';

function quill(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const main = path.join(REPO_ROOT, 'packages', 'cli', 'src', 'main.ts');
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', main, ...args], { cwd: REPO_ROOT });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

describe('quill chaos options', () => {
  it('rejects an unknown fault', async () => {
    const { code, stderr } = await quill(['chaos', '--faults', 'kill,meteor']);
    expect(code).toBe(1);
    expect(stderr).toContain("unknown fault 'meteor'");
  }, 60_000);

  it('rejects a duration that is not a positive integer', async () => {
    const { code, stderr } = await quill(['chaos', '--duration', '0']);
    expect(code).toBe(1);
    expect(stderr).toContain('--duration must be a positive integer');
  }, 60_000);
});
