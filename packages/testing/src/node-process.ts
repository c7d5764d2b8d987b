import { spawn, type ChildProcess } from 'node:child_process';
import { REPO_ROOT, cliNodeArguments } from './cli-entry.js';

export { REPO_ROOT } from './cli-entry.js';

/**
 * One `quill` node as a real OS process (compiled, or from sources through tsx: see {@link cliNodeArguments}),
 * with its output kept for inspection and signals for kill, pause and resume.
 */
export class NodeProcess {
  private child: ChildProcess | undefined;
  private output = '';
  private exited: Promise<number | null> = Promise.resolve(null);

  constructor(
    readonly name: string,
    private readonly args: readonly string[],
    private readonly env: NodeJS.ProcessEnv = {},
    /**
     * Runs the node under this command, e.g. `['ip', 'netns', 'exec', ns]` for a network
     * namespace (a prefix that execs, so the pid and signals are the node's own).
     */
    private readonly commandPrefix: readonly string[] = [],
  ) {}

  start(): void {
    if (this.child !== undefined) throw new Error(`${this.name} is already running`);
    this.output = '';
    // QUILL_NODE_ARGS passes options to every node process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/p"
    // for profiling (Node refuses --cpu-prof in NODE_OPTIONS).
    const nodeArgs = (process.env['QUILL_NODE_ARGS'] ?? '').split(' ').filter((a) => a.length > 0);
    const command = [...this.commandPrefix, process.execPath, ...nodeArgs, ...cliNodeArguments(), ...this.args];
    const child = spawn(command[0]!, command.slice(1), {
      cwd: REPO_ROOT,
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => this.keep(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.keep(chunk));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    void this.exited.then(() => {
      if (this.child === child) this.child = undefined;
    });
    this.child = child;
  }

  /** Keeps the last 1 MiB of output: enough to diagnose, bounded for long runs. */
  private keep(chunk: Buffer): void {
    this.output = (this.output + chunk.toString('utf8')).slice(-1024 * 1024);
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get logs(): string {
    return this.output;
  }

  /** SIGKILL: no shutdown code runs, as in a crash. */
  async kill(): Promise<void> {
    if (this.child === undefined) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** SIGTERM and wait for a clean exit (falls back to SIGKILL after `graceMs`). */
  async stop(graceMs = 10_000): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
