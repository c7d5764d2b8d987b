import { REPO_ROOT, cliNodeArguments } from './cli-entry.js';
import { SupervisedProcess } from './supervisor/supervised-process.js';

export { REPO_ROOT } from './cli-entry.js';

/** Output kept per node: enough to diagnose a test, bounded for long runs. */
const NODE_OUTPUT_TAIL_BYTES = 1024 * 1024;

/**
 * One `quill` node as a real OS process (compiled, or from sources through tsx: see {@link cliNodeArguments}),
 * with its output kept for inspection and signals for kill, pause and resume.
 */
export class NodeProcess {
  private process: SupervisedProcess | undefined;

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
    if (this.running) throw new Error(`${this.name} is already running`);
    // QUILL_NODE_ARGS passes options to every node process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/p"
    // for profiling (Node refuses --cpu-prof in NODE_OPTIONS).
    const nodeArgs = (process.env['QUILL_NODE_ARGS'] ?? '').split(' ').filter((a) => a.length > 0);
    const command = [...this.commandPrefix, process.execPath, ...nodeArgs, ...cliNodeArguments(), ...this.args];
    this.process = new SupervisedProcess({
      command: command[0]!,
      args: command.slice(1),
      cwd: REPO_ROOT,
      env: { ...process.env, ...this.env },
      tailBytes: NODE_OUTPUT_TAIL_BYTES,
    });
    this.process.start();
  }

  get running(): boolean {
    return this.process?.running ?? false;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  get logs(): string {
    return this.process?.output() ?? '';
  }

  /** SIGKILL: no shutdown code runs, as in a crash. */
  async kill(): Promise<void> {
    await this.process?.kill();
  }

  pause(): void {
    this.process?.pause();
  }

  resume(): void {
    this.process?.resume();
  }

  /** SIGTERM and wait for a clean exit (falls back to SIGKILL after `graceMs`). */
  async stop(graceMs?: number): Promise<void> {
    await this.process?.stop(graceMs === undefined ? {} : { graceMs });
  }
}
