import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

// kcat (librdkafka's command-line client) run as a real process: arguments in, stdin written and
// closed, stdout collected; killed when it overruns its deadline.

/** How long one kcat run may take before it is killed and the run fails. */
export const KCAT_RUN_TIMEOUT_MS = 20_000;

/** Whether a `kcat` executable is on PATH. */
export function kcatAvailable(): boolean {
  return spawnSync('kcat', ['-V'], { stdio: 'ignore' }).error === undefined;
}

export interface KcatRun {
  stdout: string;
  stderr: string;
}

/** Every kcat process still running, so a test's teardown can kill what a failed run left behind. */
const running = new Set<ChildProcess>();

/** Runs kcat to its exit; rejects on a non-zero exit or the deadline, with its stderr. */
export function runKcat(args: readonly string[], options: { input?: string; timeoutMs?: number } = {}): Promise<KcatRun> {
  const child = spawn('kcat', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(options.input ?? '');
  const timeoutMs = options.timeoutMs ?? KCAT_RUN_TIMEOUT_MS;
  return new Promise<KcatRun>((resolve, reject) => {
    const deadline = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(deadline);
      running.delete(child);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(deadline);
      running.delete(child);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`kcat ${args.join(' ')} ${signal === 'SIGKILL' ? `killed after ${timeoutMs} ms` : `exited ${code ?? signal}`}:\n${stderr}`));
    });
  });
}

/** Kills every kcat process still running. */
export function killKcats(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}
