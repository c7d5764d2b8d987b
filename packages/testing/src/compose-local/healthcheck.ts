import { SupervisedProcess } from '../supervisor/supervised-process.js';
import type { HealthcheckCommand } from './compose-file.js';

/** Output of one healthcheck kept for a failure report. */
const HEALTHCHECK_OUTPUT_BYTES = 4096;

export interface CheckResult {
  ok: boolean;
  output: string;
}

export interface CheckRun {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** Aborting kills the check. */
  cancel: AbortSignal;
  /** Told of the check's process, so a last-resort cleanup can reach it. */
  track: (probe: SupervisedProcess) => () => void;
}

/** Runs one healthcheck: ok when it exits 0 within `timeoutMs` (past that it is killed). */
export async function runHealthcheck(check: HealthcheckCommand, run: CheckRun): Promise<CheckResult> {
  const [command, args] = check.kind === 'exec' ? [check.argv[0]!, check.argv.slice(1)] : ['/bin/sh', ['-c', check.script]];
  const probe = new SupervisedProcess({ command, args, cwd: run.cwd, env: run.env, tailBytes: HEALTHCHECK_OUTPUT_BYTES });
  const untrack = run.track(probe);
  let timedOut = false;
  const kill = (): void => void probe.kill();
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, run.timeoutMs);
  run.cancel.addEventListener('abort', kill, { once: true });
  try {
    probe.start();
    const exit = await probe.exited();
    const output = probe.output();
    return { ok: exit?.code === 0 && !timedOut, output: timedOut ? `${output}(timed out after ${run.timeoutMs} ms)` : output };
  } finally {
    clearTimeout(timer);
    run.cancel.removeEventListener('abort', kill);
    untrack();
  }
}
