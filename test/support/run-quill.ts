import { spawn } from 'node:child_process';
import { REPO_ROOT, cliNodeArguments, startCluster, type TestCluster } from '@quill/testing';
import { afterAll, beforeAll } from 'vitest';

export interface QuillRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the `quill` command as a user would (a process of its own), with `stdin` as its input. */
export function runQuill(args: readonly string[], stdin = ''): Promise<QuillRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...cliNodeArguments(), ...args], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/**
 * A three-broker in-process cluster for the whole test file (started before its tests, stopped
 * after), and `quill` to run the CLI as a process against it (`--bootstrap` added).
 */
export function quillAgainstCluster(): { cluster: () => TestCluster; quill: (args: readonly string[]) => Promise<QuillRun> } {
  let cluster: TestCluster | undefined;
  beforeAll(async () => {
    cluster = await startCluster({ brokers: 3 });
  }, 120_000);
  afterAll(async () => cluster?.stop());
  const started = (): TestCluster => {
    if (cluster === undefined) throw new Error('the cluster is not started (yet)');
    return cluster;
  };
  return { cluster: started, quill: (args) => runQuill([...args, '--bootstrap', started().bootstrap.join(',')]) };
}
