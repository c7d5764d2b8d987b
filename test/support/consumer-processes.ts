import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '@quill/testing';

const CHILD = fileURLToPath(new URL('./consumer-child.ts', import.meta.url));

/** What a consumer child reported, line by line (see consumer-child.ts). */
export interface ChildReport {
  /** Assignment per generation, in order. */
  joins: Array<{ generation: number; partitions: number[]; atMs: number }>;
  processed: Array<{ partition: number; offset: number; value: string; atMs: number }>;
  /** Last committed next-offset per partition. */
  committed: Map<number, number>;
}

/** A consumer group member in its own process (consumer-child.ts, or `script` reporting the same lines). */
export class ConsumerProcess {
  readonly report: ChildReport = { joins: [], processed: [], committed: new Map() };
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  stderr = '';

  constructor(
    readonly name: string,
    env: Record<string, string>,
    script: string = CHILD,
  ) {
    this.child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', script], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env, CONSUMER_NAME: name },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => this.parse(line));
  }

  private parse(line: string): void {
    const [kind, a, b, ...rest] = line.split(' ');
    const atMs = Date.now();
    if (kind === 'J') {
      const partitions = (b ?? '').split(',').filter((x) => x !== '').map((x) => Number(x.split(':')[1]));
      this.report.joins.push({ generation: Number(a), partitions, atMs });
    } else if (kind === 'P') {
      this.report.processed.push({ partition: Number(a), offset: Number(b), value: rest.join(' '), atMs });
    } else if (kind === 'C') {
      this.report.committed.set(Number(a), Number(b));
    }
  }

  /** The partitions of its latest generation. */
  currentPartitions(): number[] {
    return this.report.joins.at(-1)?.partitions ?? [];
  }

  /** kill -9. */
  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** A graceful stop: commits, leaves the group, exits. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await this.exited;
    clearTimeout(timer);
  }
}
