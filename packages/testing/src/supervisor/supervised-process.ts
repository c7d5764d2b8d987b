import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import fs from 'node:fs';
import { lastLines, readFileTail } from './output-tail.js';

export const SUPERVISOR_DEFAULTS = {
  /** How long `stop()` waits after its signal before SIGKILL (as `docker stop`'s default). */
  stopGraceMs: 10_000,
  /** Output kept of a process's current run: enough for a failure report, bounded for long runs. */
  tailBytes: 64 * 1024,
} as const;

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SupervisedProcessOptions {
  /** The program to run and its arguments. */
  command: string;
  args: readonly string[];
  cwd: string;
  /** The child's whole environment; default this process's. */
  env?: NodeJS.ProcessEnv;
  /**
   * Where its stdout and stderr go: appended to this file by the child itself (so the log
   * outlives this process), else piped here. Either way the tail of the current run is kept.
   */
  logFile?: string;
  /** Bytes of the current run's output that `output()` returns. */
  tailBytes?: number;
  /** Called when a run ends without `stop()` or `kill()` having asked for it. */
  onUnexpectedExit?: (exit: ProcessExit) => void;
}

export interface StopOptions {
  /** Sent first (compose's stop_signal); default SIGTERM. */
  signal?: NodeJS.Signals;
  graceMs?: number;
  /** Called when the grace period ran out, just before SIGKILL. */
  onGraceExpired?: () => void;
}

/** "exit code N" or "killed by SIGNAL", as failure reports say it. */
export function describeExit(exit: ProcessExit): string {
  return exit.signal === null ? `exit code ${exit.code}` : `killed by ${exit.signal}`;
}

/** One start of the process. */
interface Run {
  readonly child: ChildProcess;
  readonly exited: Promise<ProcessExit>;
  readonly life: AbortController;
  /** stop() or kill() asked for the end, so it is not reported as unexpected. */
  ending: boolean;
  /** The piped output's tail (no log file). */
  tail: string;
  /** The log file's size when this run started: its output starts there. */
  logFrom: number;
}

/**
 * A child process in its own process group (so a terminal's Ctrl-C reaches only its supervisor,
 * and signals reach whatever it started too), started again on demand, with the tail of its
 * output kept for error messages. Stopping sends a signal, then SIGKILL after a grace period,
 * and waits for the exit.
 */
export class SupervisedProcess {
  private current: Run | undefined;
  private readonly tailBytes: number;

  constructor(private readonly options: SupervisedProcessOptions) {
    this.tailBytes = options.tailBytes ?? SUPERVISOR_DEFAULTS.tailBytes;
  }

  /** The running process's pid; undefined while it is down. */
  get pid(): number | undefined {
    return this.running ? this.current?.child.pid : undefined;
  }

  get running(): boolean {
    const child = this.current?.child;
    return child !== undefined && child.pid !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** Aborted when the current run ends. */
  get lifetime(): AbortSignal {
    return this.current?.life.signal ?? AbortSignal.abort();
  }

  /** How the current (or last) run ended, once it has; undefined when never started. */
  exited(): Promise<ProcessExit | undefined> {
    return this.current?.exited ?? Promise.resolve(undefined);
  }

  start(): void {
    if (this.running) throw new Error(`${this.options.command} is already running (pid ${this.pid})`);
    const { logFile } = this.options;
    const fd = logFile === undefined ? undefined : fs.openSync(logFile, 'a');
    const stdio: StdioOptions = fd === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', fd, fd];
    let child: ChildProcess;
    try {
      child = spawn(this.options.command, this.options.args, { cwd: this.options.cwd, env: this.options.env ?? process.env, stdio, detached: true });
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
    const life = new AbortController();
    let resolveExit!: (exit: ProcessExit) => void;
    const run: Run = {
      child,
      exited: new Promise((resolve) => (resolveExit = resolve)),
      life,
      ending: false,
      tail: '',
      logFrom: logFile === undefined ? 0 : fs.statSync(logFile).size,
    };
    child.stdout?.on('data', (chunk: Buffer) => this.keep(run, chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => this.keep(run, chunk.toString('utf8')));
    let ended = false;
    const end = (exit: ProcessExit): void => {
      if (ended) return;
      ended = true;
      life.abort();
      resolveExit(exit);
      if (!run.ending) this.options.onUnexpectedExit?.(exit);
    };
    // 'close' rather than 'exit': it comes once the output is read, so the tail is complete.
    child.once('close', (code, signal) => end({ code, signal }));
    child.once('error', (error) => {
      this.record(run, `cannot start: ${error.message}\n`);
      end({ code: null, signal: null });
    });
    this.current = run;
  }

  /** The current (or last) run's output, its last `tailBytes` at most. */
  output(): string {
    const run = this.current;
    if (run === undefined) return '';
    const { logFile } = this.options;
    return logFile === undefined ? run.tail : readFileTail(logFile, run.logFrom, this.tailBytes);
  }

  /** The last `count` non-blank lines of the current (or last) run's output. */
  lastLines(count: number): string[] {
    return lastLines(this.output(), count);
  }

  /** Sends `signal` to the process's whole group; nothing when it is gone. */
  signal(signal: NodeJS.Signals): void {
    const pid = this.current?.child.pid;
    if (pid !== undefined) signalGroup(pid, signal);
  }

  pause(): void {
    if (this.running) this.signal('SIGSTOP');
  }

  resume(): void {
    if (this.running) this.signal('SIGCONT');
  }

  /** SIGKILL to the whole group, as in a crash; resolves once it exited. */
  async kill(): Promise<ProcessExit | undefined> {
    const run = this.current;
    if (run === undefined) return undefined;
    run.ending = true;
    if (this.running) this.signal('SIGKILL');
    return run.exited;
  }

  /**
   * Sends `signal` (SIGTERM) to the group, then SIGKILL if the process still runs after
   * `graceMs`; resolves with its exit, after killing anything it left behind in its group.
   */
  async stop(options: StopOptions = {}): Promise<ProcessExit | undefined> {
    const run = this.current;
    if (run === undefined) return undefined;
    run.ending = true;
    let timer: NodeJS.Timeout | undefined;
    if (this.running) {
      // A paused process would hold the signal pending until the grace period ends in SIGKILL.
      this.signal('SIGCONT');
      this.signal(options.signal ?? 'SIGTERM');
      timer = setTimeout(() => {
        if (this.current !== run || !this.running) return;
        options.onGraceExpired?.();
        this.signal('SIGKILL');
      }, options.graceMs ?? SUPERVISOR_DEFAULTS.stopGraceMs);
    }
    const exit = await run.exited;
    clearTimeout(timer);
    // Anything the process left behind in its group goes too.
    if (this.current === run) this.signal('SIGKILL');
    return exit;
  }

  private keep(run: Run, text: string): void {
    run.tail = (run.tail + text).slice(-this.tailBytes);
  }

  /** Adds a line of our own to the run's output (its log file, or the kept tail). */
  private record(run: Run, text: string): void {
    const { logFile } = this.options;
    if (logFile === undefined) this.keep(run, text);
    else fs.appendFileSync(logFile, text);
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone.
  }
}
