import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, type WriteStream } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Quill, QuillError } from '@quill/client';
import type { Argv } from 'yargs';
import { integer, single } from '../client-options.js';
import { runDemo } from './dev-demo.js';

/** The repository root: this file is packages/cli/{src,dist}/commands/dev.{ts,js}. */
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const CLI_MAIN = path.join(REPO_ROOT, 'packages', 'cli', 'src', 'main.ts');
const NODE_COUNT = 3;
const CLUSTER_ID = 'quill-dev';
const HOST = '127.0.0.1';
/** Controllers listen at base port + this. */
const CONTROLLER_PORT_OFFSET = 10;
const READY_POLL_MS = 500;
/** How often a still-starting cluster says what it waits for. */
const PROGRESS_EVERY_MS = 10_000;
/** Time a node gets to stop cleanly (flush and close its logs) before it is killed. */
const STOP_GRACE_MS = 10_000;
/** Lines of a failed node's log shown on the terminal. */
const FAILURE_LOG_LINES = 20;

/** One node to run: a Node.js process with these arguments, its output appended to `logFile`. */
export interface NodeSpec {
  name: string;
  args: string[];
  logFile: string;
}

/** How far the cluster got: the nodes whose broker answers, and the brokers it lists as unfenced. */
export interface Readiness {
  answering: number[];
  registered: number[];
}

/** `quill dev`: a three-node local cluster (combined mode) in the foreground. */
export function devCommand(yargs: Argv): Argv {
  return yargs.command(
    'dev',
    'Run a three-node local cluster (broker and controller in each process) until Ctrl-C',
    (y) =>
      y
        .option('data-dir', {
          type: 'string',
          default: path.join('data', 'dev'),
          describe: 'where the nodes keep their data and logs; existing data restarts the same cluster',
          coerce: single<string>('--data-dir'),
        })
        .option('base-port', {
          type: 'number',
          default: 9092,
          describe: `brokers listen on P..P+2 (the bootstrap is ${HOST}:P), controllers on P+${CONTROLLER_PORT_OFFSET}..P+${CONTROLLER_PORT_OFFSET + 2}`,
          coerce: basePort,
        })
        .option('demo', { type: 'boolean', default: false, describe: 'once ready, run a produce/consume round trip on topic greetings' }),
    async (args) => {
      const dataDir = path.resolve(args.dataDir);
      const bootstrap = `${HOST}:${args.basePort}`;
      await assertPortsFree(allPorts(args.basePort));
      const restarting = existsSync(path.join(dataDir, 'node-1'));
      mkdirSync(dataDir, { recursive: true });
      const nodes = Array.from({ length: NODE_COUNT }, (_, i) => {
        const id = i + 1;
        return {
          name: `node-${id}`,
          // Run from sources as `pnpm quill` does; tsx resolves from the repository root (the cwd).
          args: ['--conditions=source', '--import', 'tsx', CLI_MAIN, ...devNodeArgs(id, args.basePort, dataDir)],
          logFile: path.join(dataDir, `node-${id}.log`),
        };
      });
      process.stderr.write(
        `${restarting ? 'Restarting the' : 'Starting a new'} ${NODE_COUNT}-node cluster in ${args.dataDir}; bootstrap ${bootstrap}; ` +
          `node logs in ${path.join(args.dataDir, 'node-N.log')}.\n`,
      );
      const stopRequested = new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      const addresses = nodes.map((_, i) => `${HOST}:${args.basePort + i}`);
      await runDev({
        nodes,
        cwd: REPO_ROOT,
        bootstrap,
        checkReadiness: () => checkReadiness(addresses),
        stopRequested,
        pollMs: READY_POLL_MS,
        graceMs: STOP_GRACE_MS,
        ...(args.demo ? { onReady: runDemo } : {}),
      });
    },
  );
}

function basePort(value: number | number[]): number {
  const port = integer('--base-port', 1)(value);
  const highest = port + CONTROLLER_PORT_OFFSET + NODE_COUNT - 1;
  if (highest > 65535) throw new QuillError('INVALID_CONFIG', `--base-port must leave room for ${highest - port + 1} ports, at most ${65535 - (highest - port)}.`);
  return port;
}

/** The arguments of `quill node start` for dev node `id` (1..3). */
export function devNodeArgs(id: number, basePort: number, dataDir: string): string[] {
  const voters = Array.from({ length: NODE_COUNT }, (_, i) => `${i + 1}@${HOST}:${basePort + CONTROLLER_PORT_OFFSET + i}`).join(',');
  return [
    'node',
    'start',
    '--roles',
    'broker,controller',
    '--node-id',
    String(id),
    '--listen',
    `${HOST}:${basePort + id - 1}`,
    '--controller-listen',
    `${HOST}:${basePort + CONTROLLER_PORT_OFFSET + id - 1}`,
    '--voters',
    voters,
    '--data-dir',
    path.join(dataDir, `node-${id}`),
    '--cluster-id',
    CLUSTER_ID,
  ];
}

function allPorts(base: number): number[] {
  return Array.from({ length: NODE_COUNT }, (_, i) => [base + i, base + CONTROLLER_PORT_OFFSET + i]).flat();
}

/**
 * Fails at once when a port is taken: otherwise the nodes would fail one by one, or a cluster
 * already running there would answer the readiness checks in their place.
 */
async function assertPortsFree(ports: readonly number[]): Promise<void> {
  for (const port of ports) {
    const server = net.createServer();
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, HOST, resolve);
      });
    } catch (error) {
      const { code, message } = error as NodeJS.ErrnoException;
      throw new Error(
        code === 'EADDRINUSE'
          ? `Port ${port} on ${HOST} is in use (another quill dev? --base-port picks other ports).`
          : `Cannot listen on ${HOST}:${port}: ${message}`,
      );
    }
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * Asks each broker address on its own: a client bootstrapped from that address alone, without
 * retries, connects only if that broker answers. The registered brokers are those every answer
 * lists (a broker's metadata lists unfenced brokers only).
 */
async function checkReadiness(addresses: readonly string[]): Promise<Readiness> {
  const views = await Promise.all(
    addresses.map(async (address) => {
      const admin = new Quill({ brokers: [address], clientId: 'quill-dev', logLevel: 'silent', retry: { retries: 0 }, requestTimeoutMs: 2_000 }).admin();
      try {
        await admin.connect();
        return (await admin.describeCluster()).brokers.map((b) => b.nodeId);
      } catch {
        // Not up yet: this is what the polling waits out.
        return undefined;
      } finally {
        await admin.disconnect();
      }
    }),
  );
  const answers = views.filter((v) => v !== undefined);
  return {
    answering: views.flatMap((v, i) => (v === undefined ? [] : [i + 1])),
    registered: (answers[0] ?? []).filter((id) => answers.every((listed) => listed.includes(id))).sort((a, b) => a - b),
  };
}

/** What `runDev` runs and how it learns about readiness and the request to stop. */
export interface DevRun {
  nodes: readonly NodeSpec[];
  cwd: string;
  bootstrap: string;
  /** Never rejects: a node that does not answer is simply not ready yet. */
  checkReadiness: () => Promise<Readiness>;
  /** Settles when the user asks to stop (SIGINT/SIGTERM). */
  stopRequested: Promise<void>;
  pollMs: number;
  graceMs: number;
  /** Runs once the cluster is ready (the --demo round trip); a failure is reported, the cluster keeps running. */
  onReady?: (bootstrap: string) => Promise<void>;
}

/**
 * Starts the nodes, prints `ready <bootstrap>` to stdout once every broker answers and is
 * registered, and runs until a stop is requested (then stops the nodes and resolves) or a node
 * exits by itself (then shows its last log lines, stops the others and rejects).
 */
export async function runDev(run: DevRun): Promise<void> {
  const nodes = run.nodes.map((spec) => new DevNode(spec, run.cwd));
  const done = new AbortController();
  const started = Date.now();
  void waitUntilReady(run, nodes.length, done.signal).then((ready) => {
    if (!ready || done.signal.aborted) return;
    process.stdout.write(`ready ${run.bootstrap}\n`);
    process.stderr.write(`Cluster ready in ${((Date.now() - started) / 1000).toFixed(1)} s. Ctrl-C stops it.\n`);
    run.onReady?.(run.bootstrap).catch((error: unknown) => process.stderr.write(`demo failed: ${(error as Error).message}\n`));
  });
  let failed: NodeExit | undefined;
  try {
    failed = await Promise.race([...nodes.map((n) => n.unexpectedExit), run.stopRequested.then(() => undefined)]);
  } finally {
    done.abort();
    if (failed) {
      const lines = failed.lastLines.map((line) => `  ${line}\n`).join('');
      process.stderr.write(`${failed.name} ${describeExit(failed)}. Last lines of ${failed.logFile}:\n${lines}`);
    } else {
      process.stderr.write('Stopping the cluster...\n');
    }
    await Promise.all(nodes.map((n) => n.stop(run.graceMs)));
  }
  if (failed) throw new Error(`${failed.name} ${describeExit(failed)}; the other nodes were stopped.`);
  process.stderr.write('Stopped.\n');
}

/** Polls until ready (true) or aborted (false), saying now and then what it still waits for. */
async function waitUntilReady(run: DevRun, count: number, signal: AbortSignal): Promise<boolean> {
  let lastProgress = Date.now();
  for (;;) {
    const { answering, registered } = await run.checkReadiness();
    if (signal.aborted) return false;
    if (answering.length === count && registered.length === count) return true;
    if (Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
      lastProgress = Date.now();
      process.stderr.write(
        `Still waiting: brokers answering [${answering.join(',')}], registered and unfenced [${registered.join(',')}], of ${count}.\n`,
      );
    }
    try {
      await sleep(run.pollMs, undefined, { signal });
    } catch {
      return false; // aborted
    }
  }
}

interface NodeExit {
  name: string;
  logFile: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  lastLines: string[];
}

function describeExit(exit: NodeExit): string {
  return `exited unexpectedly (${exit.signal === null ? `exit code ${exit.code}` : `killed by ${exit.signal}`})`;
}

/** One node process: output appended to its log file (the tail kept for a failure report), stopped with SIGTERM then SIGKILL. */
class DevNode {
  private readonly child: ChildProcess;
  private readonly log: WriteStream;
  private tail = '';
  private stopping = false;
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Settles only if the process ends before `stop()` was called. */
  readonly unexpectedExit: Promise<NodeExit>;

  constructor(spec: NodeSpec, cwd: string) {
    this.log = createWriteStream(spec.logFile, { flags: 'a' });
    this.child = spawn(process.execPath, spec.args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (chunk: Buffer) => this.keep(chunk));
    this.child.stderr!.on('data', (chunk: Buffer) => this.keep(chunk));
    // 'close' rather than 'exit': it comes once the output is read, so the tail is complete.
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => resolve({ code, signal }));
      this.child.once('error', (error) => {
        this.keep(Buffer.from(`cannot start: ${error.message}\n`));
        resolve({ code: null, signal: null });
      });
    });
    this.unexpectedExit = this.exited.then((exit) =>
      this.stopping
        ? new Promise<never>(() => undefined)
        : { name: spec.name, logFile: spec.logFile, ...exit, lastLines: this.lastLines() },
    );
  }

  /** SIGTERM, then SIGKILL if the node is still running after `graceMs`; closes the log file. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
    await new Promise<void>((resolve) => this.log.end(resolve));
  }

  private keep(chunk: Buffer): void {
    this.log.write(chunk);
    // Enough for the last lines of a failure report, bounded for long runs.
    this.tail = (this.tail + chunk.toString('utf8')).slice(-64 * 1024);
  }

  private lastLines(): string[] {
    return this.tail
      .split('\n')
      .filter((line) => line.trim() !== '')
      .slice(-FAILURE_LOG_LINES);
  }
}
