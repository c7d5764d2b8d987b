import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '@quill/testing';

export interface QuillRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const CLI_MAIN = path.join(REPO_ROOT, 'packages', 'cli', 'src', 'main.ts');

/** Runs the `quill` command as a user would (a process of its own), with `stdin` as its input. */
export function runQuill(args: readonly string[], stdin = ''): Promise<QuillRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', CLI_MAIN, ...args], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}
