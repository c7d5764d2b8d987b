// compose-local: runs a docker-compose file (deploy/docker-compose.yml by default) without Docker,
// each service as a local process of the repository's quill CLI (compiled when `tsc -b` output is
// fresh, else from sources as `pnpm quill` does). `scripts/compose-local --help`.
//
// What it does, in compose's terms:
// - Every service runs its exact `command` as arguments of the quill CLI (the image's ENTRYPOINT),
//   with its `environment` added to this process's environment, cwd the repository root.
//   Its stdout and stderr are appended to <data-dir>/<service>.log.
// - Services start in `depends_on` order: a service starts once each dependency is started
//   (service_started), healthy (service_healthy) or exited 0 (service_completed_successfully).
//   Services with no dependency between them start together, as compose starts them.
// - Healthchecks run the service's `healthcheck.test`, remapped like the command: ["CMD", ...]
//   runs the program, ["CMD-SHELL", "..."] (or a plain string) runs `/bin/sh -c`, both with a
//   `quill` on the PATH (<data-dir>/.bin/quill, the same CLI). As in Docker: the first check
//   runs `start_interval` (during `start_period`) or `interval` after the start, a check that
//   exceeds `timeout` fails, failures during `start_period` do not count, `retries` failures in a row
//   make the service unhealthy (then everything stops). Once healthy, a service is not checked again.
// - A service with `restart: always` or `unless-stopped` is long-running; one with `restart: "no"`
//   (compose's default) runs to completion and must exit 0. Nothing is ever restarted here: a
//   long-running service that exits, a one-shot that fails, or a service that turns unhealthy
//   stops everything, its last log lines are printed, and the exit code is 1.
// - Once every long-running service is up (and healthy, when it has a healthcheck) and every one-shot
//   service exited 0, it prints `ready <bootstrap>` on stdout: the brokers' addresses (each `broker
//   start` or broker-role `node start` service's --advertised, else --listen, after remapping), comma
//   separated, in file order. Progress goes to stderr. It stays in the foreground.
// - SIGINT, SIGTERM or SIGHUP stop every service in reverse dependency order (a service stops once
//   every service depending on it has stopped: brokers before controllers), each with its
//   `stop_signal` (SIGTERM), then SIGKILL after its `stop_grace_period` (10 s); then it exits 0.
//   A second signal sends SIGKILL at once. Each child runs in its own process group, so a Ctrl-C in
//   the terminal reaches only compose-local, which stops the children in order.
//
// Mapping rules (containers become processes on one host, so names and ports are remapped):
// - Hosts. In every string of a service (command, environment values, healthcheck test), a
//   `HOST:PORT` whose HOST is a service name (or its `hostname` or `container_name`) becomes
//   `127.0.0.1:P'`, where P' is the local port of that service's container port PORT. HOST
//   `0.0.0.0`, `localhost`, `127.0.0.1`, `[::]` or `[::1]` means the service itself and becomes
//   `127.0.0.1:P'` too (so services listen on loopback only). Nothing else is rewritten: a bare host
//   name without a port, or a bare port, stays as it is.
// - Ports. Each service's container ports (those in HOST:PORT references, `ports` and `expose`) get a
//   local port each. By default that is the host port the file publishes it on (`ports:
//   ["127.0.0.1:9092:9092"]`), else the container port itself: the addresses a developer uses with
//   Docker work unchanged (brokers on 127.0.0.1:9092-9094, controllers on 9192-9194). With
//   `--port-offset N`, N is added to each. With `--free-ports`, each gets a free port (from below
//   the kernel's ephemeral range: what the tests use). Two container ports that land on the same
//   local port are an error, and so is a local port already in use. The table is printed at start.
// - Volumes. A named volume becomes the directory <data-dir>/<volume>; a bind mount's source is
//   resolved against the compose file's directory; an anonymous volume becomes
//   <data-dir>/<service>-volume-<n>. In the service's strings, the mount's container path (as a
//   whole path or a prefix followed by '/') is replaced by that directory.
// - `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:+alt}`, `${VAR:?message}`, `$VAR` and
//   `$$` are interpolated from this process's environment, as compose does (no .env file is read).
//
// The subset of the compose format it understands: services with command, environment, ports,
// expose, volumes, depends_on, healthcheck, restart, stop_grace_period, stop_signal; image, build,
// hostname, container_name, networks, labels, logging, init, user, pull_policy are ignored (they
// mean nothing for a local process); any other key, an entrypoint, or an unknown condition is an
// error, so the compose file cannot silently drift from what compose-local runs.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT, cliNodeArguments } from '../cli-entry.js';
import { loadCompose } from './compose-file.js';
import { configError, isConfigError } from './config-error.js';
import { LOCAL_HOST, assertPortFree, brokerAddress, localService, planPorts } from './mapping.js';
import { ComposeRunner, type ServiceFailure } from './runner.js';

const USAGE = `Usage: scripts/compose-local [options]

Runs the services of a docker-compose file as local processes of the quill CLI, prints
"ready <bootstrap>" once all are up, and stops them all on Ctrl-C (see the header of
packages/testing/src/compose-local/compose-local.ts for the mapping rules).

Options:
  -f, --file FILE       compose file (default: deploy/docker-compose.yml of this repository)
      --data-dir DIR    volumes, logs (<service>.log) and the quill shim (default: data/compose)
      --port-offset N   add N to every local port
      --free-ports      give every container port a free local port
  -h, --help            this text
`;

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

interface ComposeLocalOptions {
  help: boolean;
  file: string;
  dataDir: string;
  portOffset: number;
  freePorts: boolean;
}

function say(line: string): void {
  process.stderr.write(`compose-local: ${line}\n`);
}

function parseOptions(argv: readonly string[]): ComposeLocalOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      file: { type: 'string', short: 'f' },
      'data-dir': { type: 'string' },
      'port-offset': { type: 'string' },
      'free-ports': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const portOffset = values['port-offset'] === undefined ? 0 : Number(values['port-offset']);
  if (!Number.isInteger(portOffset)) throw configError(`--port-offset must be an integer, got '${values['port-offset']}'`);
  if (portOffset !== 0 && values['free-ports']) throw configError('--port-offset and --free-ports do not go together');
  return {
    help: values.help,
    file: path.resolve(values.file ?? path.join(REPO_ROOT, 'deploy', 'docker-compose.yml')),
    dataDir: path.resolve(values['data-dir'] ?? path.join('data', 'compose')),
    portOffset,
    freePorts: values['free-ports'],
  };
}

/**
 * Node's arguments that run the quill CLI: compiled when fresh, else from sources (see
 * cliNodeArguments), with tsx's loader made absolute so that any cwd will do.
 */
function quillArguments(): string[] {
  return cliNodeArguments().map((arg) => (arg === 'tsx' ? import.meta.resolve('tsx') : arg));
}

/** Writes <data-dir>/.bin/quill, the CLI the services run, for healthchecks that call `quill`; returns its directory. */
function writeShim(dataDir: string, args: readonly string[]): string {
  const bin = path.join(dataDir, '.bin');
  fs.mkdirSync(bin, { recursive: true });
  const quote = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;
  const shim = path.join(bin, 'quill');
  fs.writeFileSync(shim, `#!/bin/sh\nexec ${[process.execPath, ...args].map(quote).join(' ')} "$@"\n`, { mode: 0o755 });
  fs.chmodSync(shim, 0o755);
  return bin;
}

/** Reads the compose file and plans its ports; prints the plan. Config errors throw. */
async function prepare(options: ComposeLocalOptions): Promise<{ runner: ComposeRunner; bootstrap: string }> {
  fs.mkdirSync(options.dataDir, { recursive: true });
  const services = loadCompose(options.file, options.dataDir);
  const plan = await planPorts(services, options);
  for (const service of services) for (const [container, port] of plan.get(service.name)!) await assertPortFree(port, `${service.name}:${container}`);
  const local = services.map((s) => localService(s, services, plan));
  const args = quillArguments();
  const bin = writeShim(options.dataDir, args);
  const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env['PATH'] ?? ''}` };
  say(`${path.relative(process.cwd(), options.file) || options.file}: ${services.map((s) => s.name).join(', ')}; data and logs in ${options.dataDir}`);
  for (const service of services) {
    const ports = [...plan.get(service.name)!].map(([container, port]) => `${service.name}:${container} -> ${LOCAL_HOST}:${port}`);
    if (ports.length > 0) say(`  ${ports.join(', ')}`);
  }
  const runner = new ComposeRunner(local, { dataDir: options.dataDir, quillArguments: args, cwd: REPO_ROOT, env, say });
  return { runner, bootstrap: local.flatMap((s) => brokerAddress(s.command) ?? []).join(',') };
}

/**
 * `scripts/compose-local`: runs until a signal (exit code 0), a service failure (1) or a problem
 * with the compose file or the options (2).
 */
export async function runComposeLocal(argv: readonly string[]): Promise<number> {
  let prepared: { runner: ComposeRunner; bootstrap: string };
  try {
    const options = parseOptions(argv);
    if (options.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    prepared = await prepare(options);
  } catch (error) {
    const parseError = (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS') === true;
    if (isConfigError(error) || parseError) {
      process.stderr.write(`compose-local: ${(error as Error).message}\n${parseError ? USAGE : ''}`);
      return 2;
    }
    throw error;
  }
  const { runner, bootstrap } = prepared;

  // Stop on the first signal; SIGKILL everything on the second.
  let signalled = false;
  let requestStop!: () => void;
  const stopRequested = new Promise<void>((resolve) => (requestStop = resolve));
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!signalled) {
      signalled = true;
      say(`${signal}: stopping every service (again to kill them at once)`);
      requestStop();
    } else {
      say(`${signal}: killing every service`);
      runner.killAll();
    }
  };
  // Last resort: whatever happens to this process, its children do not outlive it.
  const onExit = (): void => runner.killAll();
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  process.on('exit', onExit);

  const started = Date.now();
  let failure: ServiceFailure | undefined;
  try {
    const outcome = await Promise.race([runner.up(), stopRequested.then(() => 'stop' as const)]);
    if (outcome === undefined) {
      process.stdout.write(`ready ${bootstrap}\n`);
      say(`all services up in ${((Date.now() - started) / 1000).toFixed(1)} s; Ctrl-C stops them`);
      failure = await Promise.race([runner.failure, stopRequested.then(() => undefined)]);
    } else if (outcome !== 'stop') {
      failure = outcome;
    }
  } catch (error) {
    failure = { summary: `internal error: ${String((error as Error)?.stack ?? error)}`, details: [] };
  }
  if (failure !== undefined) process.stderr.write(`compose-local: ${failure.summary}\n${failure.details.map((l) => `${l}\n`).join('')}`);
  await runner.down();
  say(failure === undefined ? 'stopped' : 'stopped the other services');
  for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
  process.off('exit', onExit);
  return failure === undefined ? 0 : 1;
}
