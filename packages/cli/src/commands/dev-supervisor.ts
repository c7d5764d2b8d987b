import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode } from '@quill/client';
import { SupervisedProcess, describeExit, type ProcessExit } from '@quill/testing';
import { removeDevState, serveDevControl, writeDevState, type ControlAnswer, type DevNodeState } from './dev-control.js';

/** How often a still-starting cluster says what it waits for. */
const PROGRESS_EVERY_MS = 10_000;
/** Lines of a failed node's log shown on the terminal. */
const FAILURE_LOG_LINES = 20;

/** One node to run: a Node.js process with these arguments, its output appended to `logFile`. */
export interface NodeSpec {
  id: number;
  name: string;
  args: string[];
  logFile: string;
}

/** How far the cluster got: the nodes whose broker answers, and the brokers it lists as unfenced. */
export interface Readiness {
  answering: number[];
  registered: number[];
}

/** What `runDev` runs and how it learns about readiness and the request to stop. */
export interface DevRun {
  nodes: readonly NodeSpec[];
  cwd: string;
  bootstrap: string;
  /** Every broker's Kafka listener, host:port,host:port,...: printed as `kafka <list>` after the ready line. */
  kafkaBootstrap: string;
  /** Every node's metrics URL, comma-separated: printed as `metrics <list>` after the kafka line. */
  metricsUrls?: string;
  /** Never rejects: a node that does not answer is simply not ready yet. */
  checkReadiness: () => Promise<Readiness>;
  /** Settles when the user asks to stop (SIGINT/SIGTERM). */
  stopRequested: Promise<void>;
  pollMs: number;
  graceMs: number;
  /** The command a user runs (in another terminal) to start a dead node again. */
  restartCommand: (node: NodeSpec) => string;
  /** Where to publish the state `quill dev restart-node` reads; without it, no control port. */
  stateFile?: string;
  /**
   * Runs once the cluster is ready, before the console and onReady (--secure's super user and
   * client.properties): the lines it returns go to stdout; a failure is reported, the cluster keeps running.
   */
  setUp?: () => Promise<string[]>;
  /** Runs once the cluster is ready (the --demo round trip); a failure is reported, the cluster keeps running. */
  onReady?: (bootstrap: string) => Promise<void>;
  /** Starts the web console once the cluster is ready; its URL is printed as `console <url>`, and it stops before the nodes. */
  startConsole?: () => Promise<{ url: string; close(): Promise<void> }>;
}

/**
 * Starts the nodes, prints `ready <bootstrap>` and `kafka <kafkaBootstrap>` to stdout once every
 * broker answers and is registered, and runs until a stop is requested (then stops every node and resolves). A node
 * that exits by itself leaves the others running: dev says so and how to start it again, which
 * `quill dev restart-node` asks of it through the control port. Only when no node is left does
 * dev give up (and reject).
 */
export async function runDev(run: DevRun): Promise<void> {
  const cluster = new DevCluster(run);
  const control = run.stateFile === undefined ? undefined : await serveDevControl((id) => cluster.restart(id));
  cluster.startAll();
  const publish = (): void => {
    if (control !== undefined && run.stateFile !== undefined) {
      writeDevState(run.stateFile, { pid: process.pid, bootstrap: run.bootstrap, controlPort: control.port, nodes: cluster.state() });
    }
  };
  cluster.onChange = publish;
  publish();
  const started = Date.now();
  let webConsole: Promise<{ close(): Promise<void> } | undefined> = Promise.resolve(undefined);
  void waitUntilReady(run, (r) => r.answering.length === run.nodes.length && r.registered.length === run.nodes.length, cluster.done).then((ready) => {
    if (!ready) return;
    process.stdout.write(`ready ${run.bootstrap}\nkafka ${run.kafkaBootstrap}\n${run.metricsUrls === undefined ? '' : `metrics ${run.metricsUrls}\n`}`);
    process.stderr.write(
      `Cluster ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${cluster.pids()}). ` +
        'Kill or pause a node to watch failover; Ctrl-C stops them all.\n',
    );
    const setUp = setUpCluster(run);
    webConsole = setUp.then(() => run.startConsole?.()).then(
      (started) => {
        if (started !== undefined) process.stdout.write(`console ${started.url}\n`);
        return started;
      },
      (error: unknown) => {
        // The cluster is still usable without its console: say why and keep running.
        process.stderr.write(`the web console did not start: ${(error as Error).message}\n`);
        return undefined;
      },
    );
    void setUp.then(() => run.onReady?.(run.bootstrap)).catch((error: unknown) => process.stderr.write(`demo failed: ${(error as Error).message}\n`));
  });
  const allDown = await Promise.race([cluster.allDown.then(() => true), run.stopRequested.then(() => false)]);
  if (!allDown) process.stderr.write('Stopping the cluster...\n');
  try {
    await (await webConsole)?.close();
    await cluster.stopAll();
  } finally {
    await control?.close();
    if (run.stateFile !== undefined) removeDevState(run.stateFile);
  }
  if (allDown) throw new Error('every node has exited, so quill dev stopped; run it again to start them on their data.');
  process.stderr.write('Stopped.\n');
}

/** Runs `run.setUp` and prints its lines; never rejects (a failure is reported, dev keeps running). */
async function setUpCluster(run: DevRun): Promise<void> {
  try {
    for (const line of (await run.setUp?.()) ?? []) process.stdout.write(`${line}\n`);
  } catch (error) {
    process.stderr.write(`setting up the cluster failed: ${(error as Error).message}\n`);
  }
}

/** Polls until `isReady` (true) or `signal` aborts (false), saying now and then what it still waits for. */
async function waitUntilReady(run: DevRun, isReady: (r: Readiness) => boolean, signal: AbortSignal): Promise<boolean> {
  let lastProgress = Date.now();
  for (;;) {
    const readiness = await run.checkReadiness();
    if (signal.aborted) return false;
    if (isReady(readiness)) return true;
    if (Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
      lastProgress = Date.now();
      process.stderr.write(
        `Still waiting: brokers answering [${readiness.answering.join(',')}], registered and unfenced [${readiness.registered.join(',')}], of ${run.nodes.length}.\n`,
      );
    }
    try {
      await sleep(run.pollMs, undefined, { signal });
    } catch {
      return false; // aborted
    }
  }
}

/** The supervised nodes: a dead one stays down until restarted; `allDown` settles when none runs. */
class DevCluster {
  private readonly nodes: DevNode[];
  private stopping = false;
  private readonly aborter = new AbortController();
  private resolveAllDown!: () => void;
  readonly allDown = new Promise<void>((resolve) => (this.resolveAllDown = resolve));
  /** Called whenever a node starts or exits (dev republishes its state file). */
  onChange: () => void = () => undefined;

  constructor(private readonly run: DevRun) {
    this.nodes = run.nodes.map((spec) => new DevNode(spec, run.cwd, (exit) => this.exited(spec, exit)));
  }

  /** Aborted once dev stops or gives up: ends readiness polling. */
  get done(): AbortSignal {
    return this.aborter.signal;
  }

  startAll(): void {
    for (const node of this.nodes) node.start();
  }

  restart(id: number): ControlAnswer {
    const node = this.nodes.find((n) => n.spec.id === id);
    if (node === undefined) {
      return { ok: false, code: ErrorCode.INVALID_REQUEST, message: `There is no node ${id}: the nodes are ${this.nodes.map((n) => n.spec.id).join(', ')}.` };
    }
    if (this.stopping) return { ok: false, code: ErrorCode.INVALID_REQUEST, message: 'quill dev is stopping.' };
    if (node.pid !== undefined) {
      return { ok: false, code: ErrorCode.INVALID_REQUEST, message: `${node.spec.name} is running (pid ${node.pid}); only a node that exited can be started again.` };
    }
    node.start();
    const message = `${node.spec.name} started again on its data (pid ${node.pid ?? '?'}); its output is appended to ${node.spec.logFile}.`;
    process.stderr.write(`${message}\n`);
    this.onChange();
    void this.announceReturn(node);
    return { ok: true, message };
  }

  state(): DevNodeState[] {
    return this.nodes.map((n) => ({
      id: n.spec.id,
      name: n.spec.name,
      pid: n.pid ?? null,
      command: [process.execPath, ...n.spec.args],
      cwd: this.run.cwd,
      logFile: n.spec.logFile,
    }));
  }

  pids(): string {
    return this.nodes.map((n) => `${n.spec.name} pid ${n.pid ?? '-'}`).join(', ');
  }

  /** Stops every node; a paused (SIGSTOPped) one is resumed first so it can stop cleanly. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    this.aborter.abort();
    await Promise.all(this.nodes.map((n) => n.stop(this.run.graceMs)));
  }

  private exited(spec: NodeSpec, exit: ProcessExit): void {
    const node = this.nodes.find((n) => n.spec === spec)!;
    const others = this.nodes.filter((n) => n.pid !== undefined).map((n) => n.spec.name);
    const serving = others.length === 0 ? 'no node is left' : `${others.join(' and ')} keep${others.length === 1 ? 's' : ''} serving`;
    process.stderr.write(`${spec.name} exited unexpectedly (${describeExit(exit)}); ${serving}. Start it again on its data: ${this.run.restartCommand(spec)}\n`);
    // A node that ended by itself says why in its log; one killed by a signal has nothing to add.
    if (exit.signal === null) {
      process.stderr.write(`Last lines of ${spec.logFile}:\n${node.lastLines().map((line) => `  ${line}\n`).join('')}`);
    }
    this.onChange();
    if (others.length === 0) this.resolveAllDown();
  }

  /** Says on dev's terminal when a restarted node is back in the cluster (its broker answers, unfenced). */
  private async announceReturn(node: DevNode): Promise<void> {
    const until = AbortSignal.any([this.aborter.signal, node.lifetime]);
    const back = await waitUntilReady(this.run, (r) => r.answering.includes(node.spec.id) && r.registered.includes(node.spec.id), until);
    if (back) process.stderr.write(`${node.spec.name} is back: its broker answers and is registered.\n`);
  }
}

/**
 * One node slot: its process (started again on demand, in its own process group), output
 * appended to its log file, stopped with SIGTERM then SIGKILL.
 */
class DevNode {
  private readonly process: SupervisedProcess;

  constructor(
    readonly spec: NodeSpec,
    cwd: string,
    onUnexpectedExit: (exit: ProcessExit) => void,
  ) {
    this.process = new SupervisedProcess({ command: process.execPath, args: spec.args, cwd, logFile: spec.logFile, onUnexpectedExit });
  }

  /** The running process's pid; undefined while the node is down. */
  get pid(): number | undefined {
    return this.process.pid;
  }

  /** Aborted when the current process ends. */
  get lifetime(): AbortSignal {
    return this.process.lifetime;
  }

  start(): void {
    this.process.start();
  }

  /** SIGTERM (a paused node is resumed first), then SIGKILL if the node still runs after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    await this.process.stop({ graceMs });
  }

  lastLines(): string[] {
    return this.process.lastLines(FAILURE_LOG_LINES);
  }
}
