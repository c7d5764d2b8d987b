import { setMaxListeners } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SupervisedProcess, describeExit, type ProcessExit } from '../supervisor/supervised-process.js';
import type { ComposeService, Dependency } from './compose-file.js';
import { runHealthcheck, type CheckResult } from './healthcheck.js';

export const RUNNER_DEFAULTS = {
  /** How often a start that is still waiting says what for. */
  progressEveryMs: 15_000,
  /** Lines of a failed service's log in the failure report. */
  failureLogLines: 20,
} as const;

/** What stops the whole run: a service that died, failed or turned unhealthy. */
export interface ServiceFailure {
  summary: string;
  details: string[];
}

export interface RunnerOptions {
  /** Where each service's log (<service>.log) goes. */
  dataDir: string;
  /** Node's arguments that run the quill CLI; a service's command follows them. */
  quillArguments: readonly string[];
  cwd: string;
  /** Every service's environment, before its own `environment`. */
  env: NodeJS.ProcessEnv;
  /** Progress lines. */
  say: (line: string) => void;
}

type Status = 'waiting' | 'running' | 'starting' | 'healthy' | 'unhealthy' | 'completed' | 'exited';

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

interface ServiceState {
  process: SupervisedProcess | undefined;
  started: Deferred;
  healthy: Deferred;
  completed: Deferred;
  status: Status;
  stopped: Promise<void> | undefined;
}

/**
 * Runs compose services as local processes: each starts once its dependencies meet their
 * conditions, healthchecks run as Docker runs them, and the first failure is reported; `down`
 * stops them in reverse dependency order.
 */
export class ComposeRunner {
  private readonly byName: ReadonlyMap<string, ComposeService>;
  private readonly state: ReadonlyMap<string, ServiceState>;
  private stopping = false;
  private failed = false;
  private readonly cancel = new AbortController();
  /** Resolves once a stop began. */
  private readonly aborted: Promise<void>;
  private resolveFailure!: (failure: ServiceFailure) => void;
  /** Resolves with the first failure. */
  readonly failure: Promise<ServiceFailure> = new Promise((resolve) => (this.resolveFailure = resolve));
  /** Every process started and not yet ended: what a last-resort cleanup kills. */
  private readonly live = new Set<SupervisedProcess>();

  constructor(
    private readonly services: readonly ComposeService[],
    private readonly options: RunnerOptions,
  ) {
    this.byName = new Map(services.map((s) => [s.name, s]));
    this.state = new Map(
      services.map((s) => [s.name, { process: undefined, started: deferred(), healthy: deferred(), completed: deferred(), status: 'waiting', stopped: undefined }]),
    );
    // Each running healthcheck and each wait between checks listens for the stop.
    setMaxListeners(0, this.cancel.signal);
    this.aborted = new Promise((resolve) => this.cancel.signal.addEventListener('abort', () => resolve(), { once: true }));
  }

  logFile(name: string): string {
    return path.join(this.options.dataDir, `${name}.log`);
  }

  /** Resolves once everything is up (undefined) or with the first failure; also once a stop began. */
  async up(): Promise<ServiceFailure | undefined> {
    for (const service of this.services) {
      void this.launch(service).catch((error: unknown) => this.fail({ summary: `${service.name} could not start: ${(error as Error).message}`, details: [] }));
    }
    const ready = Promise.all(
      this.services.map((s) => {
        const st = this.stateOf(s.name);
        if (!s.longRunning) return st.completed.promise;
        return s.healthcheck === undefined ? st.started.promise : st.healthy.promise;
      }),
    );
    const progress = setInterval(() => {
      const waiting = this.services.filter((s) => {
        const { status } = this.stateOf(s.name);
        return !['healthy', 'completed'].includes(status) && !(s.longRunning && s.healthcheck === undefined && status === 'running');
      });
      this.options.say(`still waiting for ${waiting.map((s) => `${s.name} (${this.stateOf(s.name).status})`).join(', ')}`);
    }, RUNNER_DEFAULTS.progressEveryMs);
    try {
      return await Promise.race([ready.then(() => undefined), this.failure, this.aborted.then(() => undefined)]);
    } finally {
      clearInterval(progress);
    }
  }

  /** Stops every running service, dependents first; resolves when all have exited. */
  async down(): Promise<void> {
    this.stopping = true;
    this.cancel.abort();
    const dependents = new Map(this.services.map((s) => [s.name, [] as string[]]));
    for (const s of this.services) for (const dep of s.dependsOn) dependents.get(dep.service)!.push(s.name);
    const stopOne = (name: string): Promise<void> => {
      const st = this.stateOf(name);
      st.stopped ??= (async () => {
        await Promise.all(dependents.get(name)!.map(stopOne));
        const child = st.process;
        if (child === undefined) return;
        const service = this.byName.get(name)!;
        const running = child.running;
        if (running) this.options.say(`stopping ${name}`);
        const exit = await child.stop({
          signal: service.stopSignal,
          graceMs: service.stopGraceMs,
          onGraceExpired: () => this.options.say(`${name} did not stop within ${service.stopGraceMs} ms: SIGKILL`),
        });
        if (running && exit !== undefined) this.options.say(`${name} stopped (${describeExit(exit)})`);
      })();
      return st.stopped;
    };
    await Promise.all(this.services.map((s) => stopOne(s.name)));
  }

  /** SIGKILL to every process still running (a second Ctrl-C, or this process exiting). */
  killAll(): void {
    for (const child of this.live) if (child.running) child.signal('SIGKILL');
  }

  private stateOf(name: string): ServiceState {
    return this.state.get(name)!;
  }

  private fail(failure: ServiceFailure): void {
    this.failed = true;
    this.resolveFailure(failure);
  }

  private track(child: SupervisedProcess): () => void {
    this.live.add(child);
    return () => this.live.delete(child);
  }

  private dependencyMet(dep: Dependency): Promise<void> {
    const st = this.stateOf(dep.service);
    if (dep.condition === 'service_started') return st.started.promise;
    if (dep.condition === 'service_healthy') return st.healthy.promise;
    return st.completed.promise;
  }

  private async launch(service: ComposeService): Promise<void> {
    const st = this.stateOf(service.name);
    await Promise.race([Promise.all(service.dependsOn.map((dep) => this.dependencyMet(dep))), this.failure, this.aborted]);
    if (this.stopping || this.failed) return;
    for (const volume of service.volumes) fs.mkdirSync(volume.local, { recursive: true });
    const logFile = this.logFile(service.name);
    fs.appendFileSync(logFile, `--- compose-local ${new Date().toISOString()}: quill ${service.command.join(' ')}\n`);
    const child = new SupervisedProcess({
      command: process.execPath,
      args: [...this.options.quillArguments, ...service.command],
      cwd: this.options.cwd,
      env: { ...this.options.env, ...service.environment },
      logFile,
      onUnexpectedExit: (exit) => this.exited(service, child, exit),
    });
    st.process = child;
    const untrack = this.track(child);
    child.start();
    void child.exited().then(untrack);
    st.status = 'running';
    st.started.resolve();
    this.options.say(`${service.name} started (pid ${child.pid})`);
    const startedAt = Date.now();
    if (service.healthcheck !== undefined) await this.watchHealth(service, startedAt);
  }

  /** A service's process ended by itself: a one-shot completed, or the run fails. */
  private exited(service: ComposeService, child: SupervisedProcess, exit: ProcessExit): void {
    const st = this.stateOf(service.name);
    const success = exit.code === 0 && exit.signal === null;
    st.status = success ? 'completed' : 'exited';
    if (this.stopping) return;
    if (!service.longRunning && success) {
      const last = child.lastLines(1)[0];
      this.options.say(`${service.name} completed (exit code 0)${last === undefined ? '' : `: ${last}`}`);
      st.completed.resolve();
      return;
    }
    const what = service.longRunning ? `exited unexpectedly (${describeExit(exit)})` : `failed (${describeExit(exit)})`;
    this.fail({ summary: `${service.name} ${what}`, details: this.logTail(service.name, child) });
  }

  private logTail(name: string, child: SupervisedProcess): string[] {
    return [`Last lines of ${this.logFile(name)}:`, ...child.lastLines(RUNNER_DEFAULTS.failureLogLines).map((l) => `  ${l}`)];
  }

  private async watchHealth(service: ComposeService, startedAt: number): Promise<void> {
    const st = this.stateOf(service.name);
    const hc = service.healthcheck!;
    const env = { ...this.options.env, ...service.environment };
    const over = (): boolean => this.stopping || st.status === 'exited' || st.status === 'completed';
    let failures = 0;
    let last: CheckResult = { ok: false, output: '' };
    st.status = 'starting';
    for (;;) {
      const inStartPeriod = Date.now() - startedAt < hc.startPeriodMs;
      try {
        await sleep(inStartPeriod ? hc.startIntervalMs : hc.intervalMs, undefined, { signal: this.cancel.signal });
      } catch {
        return; // stopping
      }
      if (over()) return;
      const checkStarted = Date.now();
      last = await runHealthcheck(hc.check, { cwd: this.options.cwd, env, timeoutMs: hc.timeoutMs, cancel: this.cancel.signal, track: (probe) => this.track(probe) });
      if (over()) return;
      if (last.ok) {
        st.status = 'healthy';
        this.options.say(`${service.name} healthy (${((Date.now() - startedAt) / 1000).toFixed(1)} s after its start)`);
        st.healthy.resolve();
        return;
      }
      if (checkStarted - startedAt >= hc.startPeriodMs) failures++;
      if (failures >= hc.retries) {
        st.status = 'unhealthy';
        this.fail({
          summary: `${service.name} is unhealthy (${failures} failed healthchecks after its start period)`,
          details: [
            'Last healthcheck output:',
            ...last.output
              .split('\n')
              .filter((l) => l.trim() !== '')
              .map((l) => `  ${l}`),
            ...this.logTail(service.name, st.process!),
          ],
        });
        return;
      }
    }
  }
}
