// scripts/compose-local: runs deploy/docker-compose.yml without Docker, each service as a local
// process of the repository's quill CLI (from sources, as `pnpm quill` does).
//
//   scripts/compose-local [-f deploy/docker-compose.yml] [--data-dir data/compose]
//                         [--port-offset N | --free-ports]
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
//   `quill` on the PATH (<data-dir>/.bin/quill, the CLI from sources). As in Docker: the first check
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
//   the terminal reaches only this script, which stops the children in order.
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
//   `--port-offset N`, N is added to each. With `--free-ports`, each gets a free port picked by the
//   OS (what the tests use). Two container ports that land on the same local port are an error, and
//   so is a local port already in use. The table is printed at start.
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
// error, so the compose file cannot silently drift from what this script runs.
import { spawn } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI_MAIN = path.join(REPO_ROOT, 'packages', 'cli', 'src', 'main.ts');
/** tsx's loader, absolute, so a quill child or healthcheck works from any cwd. */
const TSX_LOADER = import.meta.resolve('tsx');
/** `yaml` is a dependency of the CLI; resolving it from there keeps the root free of it. */
const YAML = createRequire(path.join(REPO_ROOT, 'packages', 'cli', 'package.json'))('yaml');

const USAGE = `Usage: scripts/compose-local [options]

Runs the services of a docker-compose file as local processes of the quill CLI, prints
"ready <bootstrap>" once all are up, and stops them all on Ctrl-C (see the header of
scripts/compose-local.mjs for the mapping rules).

Options:
  -f, --file FILE       compose file (default: deploy/docker-compose.yml of this repository)
      --data-dir DIR    volumes, logs (<service>.log) and the quill shim (default: data/compose)
      --port-offset N   add N to every local port
      --free-ports      let the OS pick a free local port for every container port
  -h, --help            this text
`;

const SELF_HOSTS = new Set(['0.0.0.0', 'localhost', '127.0.0.1', '[::]', '[::1]']);
const LOCAL_HOST = '127.0.0.1';
const IGNORED_KEYS = new Set(['image', 'build', 'hostname', 'container_name', 'networks', 'labels', 'logging', 'init', 'user', 'pull_policy']);
const SUPPORTED_KEYS = new Set(['command', 'environment', 'ports', 'expose', 'volumes', 'depends_on', 'healthcheck', 'restart', 'stop_grace_period', 'stop_signal']);
const CONDITIONS = new Set(['service_started', 'service_healthy', 'service_completed_successfully']);
/** Docker's healthcheck defaults. */
const HEALTH_DEFAULTS = { intervalMs: 30_000, timeoutMs: 30_000, retries: 3, startPeriodMs: 0, startIntervalMs: 5_000 };
const DEFAULT_STOP_GRACE_MS = 10_000;
const FAILURE_LOG_LINES = 20;
const PROGRESS_EVERY_MS = 15_000;

/** A problem with the compose file or the options: one line, exit 2. */
class ConfigError extends Error {}

// ------------------------------------------------------------------------------------------------
// The compose file

/** Compose's variable interpolation over every string of the parsed document. */
export function interpolate(value, env, where = 'the compose file') {
  if (typeof value === 'string') {
    return value.replace(/\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g, (_, dollar, braced, op, arg, bare) => {
      if (dollar) return '$';
      const name = braced ?? bare;
      const set = env[name] !== undefined;
      const nonEmpty = set && env[name] !== '';
      switch (op) {
        case undefined:
          return env[name] ?? '';
        case ':-':
          return nonEmpty ? env[name] : arg;
        case '-':
          return set ? env[name] : arg;
        case ':+':
          return nonEmpty ? arg : '';
        case '+':
          return set ? arg : '';
        default: // ':?' and '?'
          if (op === ':?' ? nonEmpty : set) return env[name];
          throw new ConfigError(`${where}: ${name} is required${arg ? `: ${arg}` : ''}`);
      }
    });
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, env, where));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env, where)]));
  }
  return value;
}

/** "1m30s", "10s", "500ms" -> milliseconds. */
export function parseDuration(text, what) {
  const source = String(text).trim();
  const units = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };
  let total = 0;
  let rest = source;
  while (rest.length > 0) {
    const match = /^(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/.exec(rest);
    if (match === null) throw new ConfigError(`${what}: '${source}' is not a duration (like 10s, 1m30s or 500ms)`);
    total += Number(match[1]) * units[match[2]];
    rest = rest.slice(match[0].length);
  }
  if (source.length === 0) throw new ConfigError(`${what}: empty duration`);
  return Math.round(total);
}

function asArray(value, what) {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ConfigError(`${what} must be a list`);
  return value;
}

function parsePort(text, what) {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConfigError(`${what}: '${text}' is not a port`);
  return port;
}

/** A `ports` entry: "C", "H:C", "IP:H:C" (optionally "/tcp"), a number, or the long syntax. */
function parsePortEntry(entry, what) {
  if (typeof entry === 'number') return { container: parsePort(entry, what), published: undefined };
  if (entry !== null && typeof entry === 'object') {
    if (entry.protocol !== undefined && entry.protocol !== 'tcp') throw new ConfigError(`${what}: only tcp ports are supported`);
    return { container: parsePort(entry.target, what), published: entry.published === undefined ? undefined : parsePort(entry.published, what) };
  }
  const text = String(entry).replace(/\/tcp$/, '');
  if (text.includes('-') || text.includes('/')) throw new ConfigError(`${what}: port ranges and non-tcp ports are not supported ('${entry}')`);
  const parts = text.startsWith('[') ? [text.slice(0, text.indexOf(']') + 1), ...text.slice(text.indexOf(']') + 2).split(':')] : text.split(':');
  if (parts.length === 1) return { container: parsePort(parts[0], what), published: undefined };
  const container = parsePort(parts.at(-1), what);
  const hostPort = parts.at(-2);
  return { container, published: hostPort === '' ? undefined : parsePort(hostPort, what) };
}

/** A `volumes` entry: "name:/target[:mode]", "./host:/target", "/target", or the long syntax. */
function parseVolumeEntry(entry, service, index, fileDir, dataDir, what) {
  let source;
  let target;
  let type;
  if (entry !== null && typeof entry === 'object') {
    ({ source, target, type } = entry);
    if (type === 'tmpfs') return { target, local: path.join(dataDir, `${service}-volume-${index + 1}`) };
    if (type !== undefined && type !== 'volume' && type !== 'bind') throw new ConfigError(`${what}: volume type '${type}' is not supported`);
  } else {
    const parts = String(entry).split(':');
    if (parts.length === 1) [target] = parts;
    else [source, target] = parts;
  }
  if (typeof target !== 'string' || !target.startsWith('/')) throw new ConfigError(`${what}: '${JSON.stringify(entry)}' needs an absolute container path`);
  if (source === undefined || source === '') return { target, local: path.join(dataDir, `${service}-volume-${index + 1}`) };
  const bind = type === 'bind' || source.startsWith('.') || source.startsWith('/') || source.startsWith('~');
  if (!bind) return { target, local: path.join(dataDir, source), volume: source };
  const expanded = source.startsWith('~') ? path.join(process.env.HOME ?? '/', source.slice(1)) : source;
  return { target, local: path.resolve(fileDir, expanded) };
}

function parseHealthcheck(raw, what) {
  if (raw === undefined || raw === null || raw.disable === true) return undefined;
  let test = raw.test;
  if (test === undefined) throw new ConfigError(`${what}: a healthcheck needs a test (compose-local cannot see the image's HEALTHCHECK)`);
  if (typeof test === 'string') test = ['CMD-SHELL', test];
  if (!Array.isArray(test) || test.length === 0) throw new ConfigError(`${what}.test must be a list or a string`);
  if (test[0] === 'NONE') return undefined;
  let check;
  if (test[0] === 'CMD' && test.length > 1) check = { kind: 'exec', argv: test.slice(1).map(String) };
  else if (test[0] === 'CMD-SHELL' && test.length === 2) check = { kind: 'shell', script: String(test[1]) };
  else throw new ConfigError(`${what}.test must start with CMD, CMD-SHELL or NONE`);
  const ms = (key, fallback) => (raw[key] === undefined ? fallback : parseDuration(raw[key], `${what}.${key}`));
  const retries = raw.retries === undefined ? HEALTH_DEFAULTS.retries : Number(raw.retries);
  if (!Number.isInteger(retries) || retries < 1) throw new ConfigError(`${what}.retries must be a positive integer`);
  return {
    check,
    intervalMs: ms('interval', HEALTH_DEFAULTS.intervalMs),
    timeoutMs: ms('timeout', HEALTH_DEFAULTS.timeoutMs),
    retries,
    startPeriodMs: ms('start_period', HEALTH_DEFAULTS.startPeriodMs),
    startIntervalMs: ms('start_interval', HEALTH_DEFAULTS.startIntervalMs),
  };
}

function parseDependsOn(raw, names, what) {
  if (raw === undefined || raw === null) return [];
  if (Array.isArray(raw)) return raw.map((service) => ({ service: String(service), condition: 'service_started' }));
  if (typeof raw !== 'object') throw new ConfigError(`${what} must be a list or a map`);
  return Object.entries(raw).map(([service, spec]) => {
    const condition = spec?.condition ?? 'service_started';
    if (!CONDITIONS.has(condition)) throw new ConfigError(`${what}.${service}: unknown condition '${condition}'`);
    if (!names.has(service)) throw new ConfigError(`${what}: no service '${service}'`);
    return { service, condition };
  });
}

function parseEnvironment(raw, what) {
  if (raw === undefined || raw === null) return {};
  const env = {};
  if (Array.isArray(raw)) {
    for (const entry of raw) {
      const text = String(entry);
      const at = text.indexOf('=');
      if (at < 0) {
        if (process.env[text] !== undefined) env[text] = process.env[text];
      } else env[text.slice(0, at)] = text.slice(at + 1);
    }
    return env;
  }
  if (typeof raw !== 'object') throw new ConfigError(`${what} must be a list or a map`);
  for (const [key, value] of Object.entries(raw)) {
    if (value === null || value === undefined) {
      if (process.env[key] !== undefined) env[key] = process.env[key];
    } else env[key] = String(value);
  }
  return env;
}

function parseCommand(raw, what) {
  if (raw === undefined || raw === null) throw new ConfigError(`${what}: a command is needed (the image's default command only prints --help)`);
  if (Array.isArray(raw)) return raw.map(String);
  const text = String(raw);
  if (/["'\\]/.test(text)) throw new ConfigError(`${what}: write a command with quotes as a list`);
  return text.split(/\s+/).filter((part) => part !== '');
}

/** Reads and checks a compose file; returns its services in file order. */
export function loadCompose(file, dataDir) {
  const text = fs.readFileSync(file, 'utf8');
  const document = interpolate(YAML.parse(text, { merge: true }), process.env, file);
  if (document === null || typeof document !== 'object' || document.services === null || typeof document.services !== 'object') {
    throw new ConfigError(`${file}: no services`);
  }
  const fileDir = path.dirname(file);
  const names = new Set(Object.keys(document.services));
  const declaredVolumes = new Set(Object.keys(document.volumes ?? {}));
  const services = Object.entries(document.services).map(([name, raw]) => {
    const what = `${file}: services.${name}`;
    if (raw === null || typeof raw !== 'object') throw new ConfigError(`${what}: a service needs at least a command`);
    for (const key of Object.keys(raw)) {
      if (key === 'entrypoint') throw new ConfigError(`${what}: entrypoint is not supported (every service runs the quill CLI, the image's ENTRYPOINT)`);
      if (!SUPPORTED_KEYS.has(key) && !IGNORED_KEYS.has(key) && !key.startsWith('x-')) throw new ConfigError(`${what}: '${key}' is not supported by compose-local`);
    }
    const restart = String(raw.restart ?? 'no');
    if (!['no', 'always', 'unless-stopped'].includes(restart)) throw new ConfigError(`${what}.restart: '${restart}' is not supported (no, always, unless-stopped)`);
    const volumes = asArray(raw.volumes, `${what}.volumes`).map((entry, i) => parseVolumeEntry(entry, name, i, fileDir, dataDir, `${what}.volumes`));
    for (const v of volumes) if (v.volume !== undefined && !declaredVolumes.has(v.volume)) throw new ConfigError(`${what}: volume '${v.volume}' is not declared under the top-level volumes`);
    const stopSignal = String(raw.stop_signal ?? 'SIGTERM');
    if (os.constants.signals[stopSignal] === undefined) throw new ConfigError(`${what}.stop_signal: '${stopSignal}' is not a signal name`);
    return {
      name,
      aliases: [name, raw.hostname, raw.container_name].filter((a) => typeof a === 'string'),
      command: parseCommand(raw.command, `${what}.command`),
      environment: parseEnvironment(raw.environment, `${what}.environment`),
      ports: asArray(raw.ports, `${what}.ports`).map((entry) => parsePortEntry(entry, `${what}.ports`)),
      expose: asArray(raw.expose, `${what}.expose`).map((p) => parsePort(String(p).replace(/\/tcp$/, ''), `${what}.expose`)),
      volumes,
      dependsOn: parseDependsOn(raw.depends_on, names, `${what}.depends_on`),
      healthcheck: parseHealthcheck(raw.healthcheck, `${what}.healthcheck`),
      longRunning: restart !== 'no',
      stopGraceMs: raw.stop_grace_period === undefined ? DEFAULT_STOP_GRACE_MS : parseDuration(raw.stop_grace_period, `${what}.stop_grace_period`),
      stopSignal,
    };
  });
  const byName = new Map(services.map((s) => [s.name, s]));
  for (const service of services) {
    for (const dep of service.dependsOn) {
      if (dep.condition === 'service_healthy' && byName.get(dep.service).healthcheck === undefined) {
        throw new ConfigError(`${file}: ${service.name} waits for ${dep.service} to be healthy, but ${dep.service} has no healthcheck`);
      }
      if (dep.condition === 'service_completed_successfully' && byName.get(dep.service).longRunning) {
        throw new ConfigError(`${file}: ${service.name} waits for ${dep.service} to complete, but ${dep.service} is long-running (restart: ${document.services[dep.service].restart})`);
      }
    }
  }
  checkAcyclic(services);
  return services;
}

function checkAcyclic(services) {
  const byName = new Map(services.map((s) => [s.name, s]));
  const state = new Map();
  const visit = (service, trail) => {
    if (state.get(service.name) === 'done') return;
    if (state.get(service.name) === 'visiting') throw new ConfigError(`depends_on has a cycle: ${[...trail, service.name].join(' -> ')}`);
    state.set(service.name, 'visiting');
    for (const dep of service.dependsOn) visit(byName.get(dep.service), [...trail, service.name]);
    state.set(service.name, 'done');
  };
  for (const service of services) visit(service, []);
}

// ------------------------------------------------------------------------------------------------
// Remapping

const HOST_PORT = /(?<![\w.-])(\[[0-9a-fA-F:.]*\]|[A-Za-z0-9_.-]+):(\d{1,5})(?!\d)/g;

/** Every string of a service that gets remapped: command, environment values, healthcheck test. */
function serviceStrings(service) {
  const strings = [...service.command, ...Object.values(service.environment)];
  const check = service.healthcheck?.check;
  if (check?.kind === 'exec') strings.push(...check.argv);
  if (check?.kind === 'shell') strings.push(check.script);
  return strings;
}

/** service -> alias -> service name. */
function aliasTable(services) {
  const table = new Map();
  for (const service of services) for (const alias of service.aliases) table.set(alias, service.name);
  return table;
}

/** Which service a HOST of service `self` means, or undefined when it is not ours to remap. */
function hostTarget(host, self, aliases) {
  if (SELF_HOSTS.has(host)) return self;
  return aliases.get(host);
}

/** The container ports of each service that need a local port. */
function containerPorts(services) {
  const aliases = aliasTable(services);
  const ports = new Map(services.map((s) => [s.name, new Set([...s.ports.map((p) => p.container), ...s.expose])]));
  for (const service of services) {
    for (const text of serviceStrings(service)) {
      for (const match of text.matchAll(HOST_PORT)) {
        const target = hostTarget(match[1], service.name, aliases);
        if (target !== undefined) ports.get(target).add(parsePort(match[2], `${service.name}: '${match[0]}'`));
      }
    }
  }
  return ports;
}

async function osFreePort() {
  const server = net.createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOCAL_HOST, resolve);
  });
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** service -> container port -> local port, by the rules in the header. */
export async function planPorts(services, { portOffset = 0, freePorts = false } = {}) {
  const wanted = containerPorts(services);
  const plan = new Map();
  const owners = new Map();
  for (const service of services) {
    const mapping = new Map();
    for (const container of [...wanted.get(service.name)].sort((a, b) => a - b)) {
      let local;
      if (freePorts) {
        do local = await osFreePort();
        while (owners.has(local));
      } else {
        const published = service.ports.find((p) => p.container === container && p.published !== undefined)?.published;
        local = (published ?? container) + portOffset;
        if (local < 1 || local > 65535) throw new ConfigError(`${service.name}:${container} maps to ${local}, outside 1-65535 (--port-offset)`);
      }
      const owner = `${service.name}:${container}`;
      if (owners.has(local)) throw new ConfigError(`${owner} and ${owners.get(local)} would both use local port ${local}: use --port-offset N or --free-ports`);
      owners.set(local, owner);
      mapping.set(container, local);
    }
    plan.set(service.name, mapping);
  }
  return plan;
}

/** Rewrites one string of service `self`: HOST:PORT references, then volume paths. */
function remapString(text, self, aliases, plan, volumes) {
  let out = text.replace(HOST_PORT, (whole, host, port) => {
    const target = hostTarget(host, self, aliases);
    if (target === undefined) return whole;
    return `${LOCAL_HOST}:${plan.get(target).get(Number(port))}`;
  });
  // Longest container path first, so /var/lib/quill/x wins over /var/lib/quill.
  for (const volume of [...volumes].sort((a, b) => b.target.length - a.target.length)) {
    const target = volume.target.replace(/\/+$/, '');
    const escaped = target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out.replace(new RegExp(`(^|[=,:\\s'"])${escaped}(?=$|[/,:\\s'"])`, 'g'), (_, before) => `${before}${volume.local}`);
  }
  return out;
}

/** The service as it runs locally: remapped command, environment and healthcheck. */
function localService(service, services, plan) {
  const aliases = aliasTable(services);
  const remap = (text) => remapString(text, service.name, aliases, plan, service.volumes);
  const check = service.healthcheck?.check;
  return {
    ...service,
    command: service.command.map(remap),
    environment: Object.fromEntries(Object.entries(service.environment).map(([k, v]) => [k, remap(v)])),
    healthcheck:
      service.healthcheck === undefined
        ? undefined
        : { ...service.healthcheck, check: check.kind === 'exec' ? { kind: 'exec', argv: check.argv.map(remap) } : { kind: 'shell', script: remap(check.script) } },
  };
}

function flagValue(args, flag) {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === flag) return args[i + 1];
    if (args[i].startsWith(`${flag}=`)) return args[i].slice(flag.length + 1);
  }
  return undefined;
}

/** The address clients use for a broker service, or undefined for other services. */
function brokerAddress(command) {
  const [role, action] = command;
  const roles = role === 'node' ? (flagValue(command, '--roles') ?? 'broker,controller').split(',').map((r) => r.trim()) : [role];
  if (action !== 'start' || !roles.includes('broker')) return undefined;
  return flagValue(command, '--advertised') ?? flagValue(command, '--listen');
}

async function assertPortFree(port, owner) {
  const server = net.createServer();
  try {
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, LOCAL_HOST, resolve);
    });
  } catch (error) {
    throw new ConfigError(
      error.code === 'EADDRINUSE'
        ? `${LOCAL_HOST}:${port} (for ${owner}) is in use: another cluster? --port-offset N or --free-ports picks other ports`
        : `cannot listen on ${LOCAL_HOST}:${port} (for ${owner}): ${error.message}`,
    );
  }
  await new Promise((resolve) => server.close(resolve));
}

// ------------------------------------------------------------------------------------------------
// Processes

function say(line) {
  process.stderr.write(`compose-local: ${line}\n`);
}

function lastLines(file, count) {
  try {
    const size = fs.statSync(file).size;
    const length = Math.min(size, 64 * 1024);
    const buffer = Buffer.alloc(length);
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, buffer, 0, length, size - length);
    } finally {
      fs.closeSync(fd);
    }
    return buffer.toString('utf8').split('\n').filter((l) => l.trim() !== '').slice(-count);
  } catch {
    return [];
  }
}

function describeExit({ code, signal }) {
  return signal === null ? `exit code ${code}` : `killed by ${signal}`;
}

/** Sends a signal to a child's whole process group (the child and anything it started). */
function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Every process group started here and still running: the last-resort cleanup on exit. */
const liveGroups = new Set();

function spawnGroup(command, args, options) {
  const child = spawn(command, args, { ...options, detached: true });
  if (child.pid !== undefined) {
    liveGroups.add(child.pid);
    child.once('exit', () => liveGroups.delete(child.pid));
  }
  return child;
}

/** Runs one healthcheck; resolves { ok, output }. */
function runCheck(check, env, timeoutMs, cancel) {
  return new Promise((resolve) => {
    const child = check.kind === 'exec' ? spawnGroup(check.argv[0], check.argv.slice(1), { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }) : spawnGroup('/bin/sh', ['-c', check.script], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk) => (output = (output + chunk.toString('utf8')).slice(-4096));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      signalGroup(child.pid, 'SIGKILL');
    }, timeoutMs);
    const onCancel = () => child.pid !== undefined && signalGroup(child.pid, 'SIGKILL');
    cancel.addEventListener('abort', onCancel, { once: true });
    child.once('error', (error) => keep(Buffer.from(`cannot run the healthcheck: ${error.message}\n`)));
    child.once('close', (code) => {
      clearTimeout(timer);
      cancel.removeEventListener('abort', onCancel);
      resolve({ ok: code === 0 && !timedOut, output: timedOut ? `${output}(timed out after ${timeoutMs} ms)` : output });
    });
  });
}

/** A promise with its resolve and reject. */
function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** A failure that stops the whole run. */
class ServiceFailure extends Error {
  constructor(service, message, details) {
    super(`${service} ${message}`);
    this.details = details;
  }
}

class Runner {
  constructor(services, { dataDir, env }) {
    this.services = services;
    this.byName = new Map(services.map((s) => [s.name, s]));
    this.dataDir = dataDir;
    this.env = env;
    this.stopping = false;
    this.cancel = new AbortController();
    // Each running healthcheck and each wait between checks listens for the stop.
    setMaxListeners(0, this.cancel.signal);
    /** Resolves once a stop began. */
    this.aborted = new Promise((resolve) => this.cancel.signal.addEventListener('abort', () => resolve(), { once: true }));
    this.failed = deferred();
    this.state = new Map(
      services.map((s) => [s.name, { child: undefined, exited: undefined, started: deferred(), healthy: deferred(), completed: deferred(), status: 'waiting', stopped: undefined }]),
    );
  }

  logFile(name) {
    return path.join(this.dataDir, `${name}.log`);
  }

  fail(failure) {
    this.failed.reject(failure);
  }

  /** Resolves once everything is up (or a stop began); rejects with the first ServiceFailure. */
  async up() {
    const launches = this.services.map((s) => this.launch(s).catch((error) => this.fail(error instanceof ServiceFailure ? error : new ServiceFailure(s.name, `could not start: ${error.message}`, []))));
    const ready = Promise.all(
      this.services.map((s) => {
        const st = this.state.get(s.name);
        if (!s.longRunning) return st.completed.promise;
        return s.healthcheck === undefined ? st.started.promise : st.healthy.promise;
      }),
    );
    const progress = setInterval(() => {
      const waiting = this.services.filter((s) => {
        const { status } = this.state.get(s.name);
        return !['healthy', 'completed'].includes(status) && !(s.longRunning && s.healthcheck === undefined && status === 'running');
      });
      say(`still waiting for ${waiting.map((s) => `${s.name} (${this.state.get(s.name).status})`).join(', ')}`);
    }, PROGRESS_EVERY_MS);
    try {
      await Promise.race([ready, this.failed.promise, this.aborted]);
    } finally {
      clearInterval(progress);
    }
    void Promise.all(launches);
  }

  dependencyMet(dep) {
    const st = this.state.get(dep.service);
    if (dep.condition === 'service_started') return st.started.promise;
    if (dep.condition === 'service_healthy') return st.healthy.promise;
    return st.completed.promise;
  }


  async launch(service) {
    const st = this.state.get(service.name);
    await Promise.race([Promise.all(service.dependsOn.map((dep) => this.dependencyMet(dep))), this.failed.promise, this.aborted]);
    if (this.stopping) return;
    for (const volume of service.volumes) fs.mkdirSync(volume.local, { recursive: true });
    const log = fs.openSync(this.logFile(service.name), 'a');
    fs.writeSync(log, `--- compose-local ${new Date().toISOString()}: quill ${service.command.join(' ')}\n`);
    let child;
    try {
      child = spawnGroup(process.execPath, ['--conditions=source', '--import', TSX_LOADER, CLI_MAIN, ...service.command], {
        cwd: REPO_ROOT,
        env: { ...this.env, ...service.environment },
        stdio: ['ignore', log, log],
      });
    } finally {
      fs.closeSync(log);
    }
    st.child = child;
    st.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', (error) => {
        fs.appendFileSync(this.logFile(service.name), `cannot start: ${error.message}\n`);
        resolve({ code: null, signal: null, error });
      });
    });
    st.status = 'running';
    st.started.resolve();
    say(`${service.name} started (pid ${child.pid})`);
    const startedAt = Date.now();

    void st.exited.then((exit) => {
      st.status = exit.code === 0 && exit.signal === null ? 'completed' : 'exited';
      if (this.stopping) return;
      if (!service.longRunning && exit.code === 0) {
        const last = lastLines(this.logFile(service.name), 1)[0];
        say(`${service.name} completed (exit code 0)${last === undefined || last.startsWith('--- compose-local') ? '' : `: ${last}`}`);
        st.completed.resolve();
        return;
      }
      const what = service.longRunning ? `exited unexpectedly (${describeExit(exit)})` : `failed (${describeExit(exit)})`;
      this.fail(new ServiceFailure(service.name, what, [`Last lines of ${this.logFile(service.name)}:`, ...lastLines(this.logFile(service.name), FAILURE_LOG_LINES).map((l) => `  ${l}`)]));
    });

    if (service.healthcheck !== undefined) await this.watchHealth(service, startedAt);
  }

  async watchHealth(service, startedAt) {
    const st = this.state.get(service.name);
    const hc = service.healthcheck;
    const env = { ...this.env, ...service.environment };
    let failures = 0;
    let last = { ok: false, output: '' };
    st.status = 'starting';
    for (;;) {
      const inStartPeriod = () => Date.now() - startedAt < hc.startPeriodMs;
      try {
        await sleep(inStartPeriod() ? hc.startIntervalMs : hc.intervalMs, undefined, { signal: this.cancel.signal });
      } catch {
        return; // stopping
      }
      if (this.stopping || st.status === 'exited' || st.status === 'completed') return;
      const checkStarted = Date.now();
      last = await runCheck(hc.check, env, hc.timeoutMs, this.cancel.signal);
      if (this.stopping || st.status === 'exited' || st.status === 'completed') return;
      if (last.ok) {
        st.status = 'healthy';
        say(`${service.name} healthy (${((Date.now() - startedAt) / 1000).toFixed(1)} s after its start)`);
        st.healthy.resolve();
        return;
      }
      if (checkStarted - startedAt >= hc.startPeriodMs) failures++;
      if (failures >= hc.retries) {
        st.status = 'unhealthy';
        this.fail(
          new ServiceFailure(service.name, `is unhealthy (${failures} failed healthchecks after its start period)`, [
            'Last healthcheck output:',
            ...last.output.split('\n').filter((l) => l.trim() !== '').map((l) => `  ${l}`),
            `Last lines of ${this.logFile(service.name)}:`,
            ...lastLines(this.logFile(service.name), FAILURE_LOG_LINES).map((l) => `  ${l}`),
          ]),
        );
        return;
      }
    }
  }

  /** Stops every running service, dependents first; resolves when all have exited. */
  async down({ force } = { force: () => undefined }) {
    this.stopping = true;
    this.cancel.abort();
    const dependents = new Map(this.services.map((s) => [s.name, []]));
    for (const s of this.services) for (const dep of s.dependsOn) dependents.get(dep.service).push(s.name);
    const stopOne = (name) => {
      const st = this.state.get(name);
      st.stopped ??= (async () => {
        await Promise.all(dependents.get(name).map(stopOne));
        if (st.child === undefined) return;
        const service = this.byName.get(name);
        const exited = st.exited;
        const running = st.child.exitCode === null && st.child.signalCode === null;
        if (running) {
          say(`stopping ${name}`);
          signalGroup(st.child.pid, service.stopSignal);
        }
        const kill = () => signalGroup(st.child.pid, 'SIGKILL');
        const timer = setTimeout(() => {
          say(`${name} did not stop within ${service.stopGraceMs} ms: SIGKILL`);
          kill();
        }, service.stopGraceMs);
        force(kill);
        const exit = await exited;
        clearTimeout(timer);
        // Anything the service left behind in its process group goes too.
        signalGroup(st.child.pid, 'SIGKILL');
        if (running) say(`${name} stopped (${describeExit(exit)})`);
      })();
      return st.stopped;
    };
    await Promise.all(this.services.map((s) => stopOne(s.name)));
  }
}

// ------------------------------------------------------------------------------------------------
// Main

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
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
  if (!Number.isInteger(portOffset)) throw new ConfigError(`--port-offset must be an integer, got '${values['port-offset']}'`);
  if (portOffset !== 0 && values['free-ports']) throw new ConfigError('--port-offset and --free-ports do not go together');
  return {
    help: values.help,
    file: path.resolve(values.file ?? path.join(REPO_ROOT, 'deploy', 'docker-compose.yml')),
    dataDir: path.resolve(values['data-dir'] ?? path.join('data', 'compose')),
    portOffset,
    freePorts: values['free-ports'],
  };
}

/** Writes <data-dir>/.bin/quill: the CLI from sources, for healthchecks that call `quill`. */
function writeShim(dataDir) {
  const bin = path.join(dataDir, '.bin');
  fs.mkdirSync(bin, { recursive: true });
  const quote = (s) => `'${s.replaceAll("'", "'\\''")}'`;
  const shim = path.join(bin, 'quill');
  fs.writeFileSync(shim, `#!/bin/sh\nexec ${quote(process.execPath)} --conditions=source --import ${quote(TSX_LOADER)} ${quote(CLI_MAIN)} "$@"\n`, { mode: 0o755 });
  fs.chmodSync(shim, 0o755);
  return bin;
}

export async function main(argv) {
  let options;
  let runner;
  let local;
  try {
    options = parseOptions(argv);
    if (options.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    fs.mkdirSync(options.dataDir, { recursive: true });
    const services = loadCompose(options.file, options.dataDir);
    const plan = await planPorts(services, options);
    for (const service of services) for (const [container, local] of plan.get(service.name)) await assertPortFree(local, `${service.name}:${container}`);
    local = services.map((s) => localService(s, services, plan));
    const bin = writeShim(options.dataDir);
    const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` };

    say(`${path.relative(process.cwd(), options.file) || options.file}: ${services.map((s) => s.name).join(', ')}; data and logs in ${options.dataDir}`);
    for (const service of services) {
      const ports = [...plan.get(service.name)].map(([container, port]) => `${service.name}:${container} -> ${LOCAL_HOST}:${port}`);
      if (ports.length > 0) say(`  ${ports.join(', ')}`);
    }
    runner = new Runner(local, { dataDir: options.dataDir, env });
  } catch (error) {
    if (error instanceof ConfigError || error?.code?.startsWith?.('ERR_PARSE_ARGS')) {
      process.stderr.write(`compose-local: ${error.message}\n${error instanceof ConfigError ? '' : USAGE}`);
      return 2;
    }
    throw error;
  }

  // Stop on the first signal; SIGKILL everything on the second.
  let forceKills = [];
  let signalled = false;
  const stopRequested = deferred();
  const onSignal = (signal) => {
    if (!signalled) {
      signalled = true;
      say(`${signal}: stopping every service (again to kill them at once)`);
      stopRequested.resolve(signal);
    } else {
      say(`${signal}: killing every service`);
      for (const kill of forceKills) kill();
      for (const pid of liveGroups) signalGroup(pid, 'SIGKILL');
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, onSignal);

  const started = Date.now();
  let failure;
  try {
    const outcome = await Promise.race([runner.up().then(() => 'up'), stopRequested.promise.then(() => 'stop')]);
    if (outcome === 'up') {
      const bootstrap = local.flatMap((s) => brokerAddress(s.command) ?? []).join(',');
      process.stdout.write(`ready ${bootstrap}\n`);
      say(`all services up in ${((Date.now() - started) / 1000).toFixed(1)} s; Ctrl-C stops them`);
      await Promise.race([runner.failed.promise, stopRequested.promise]);
    }
  } catch (error) {
    failure = error instanceof ServiceFailure ? error : new ServiceFailure('internal error:', String(error?.stack ?? error), []);
  }
  if (failure !== undefined) process.stderr.write(`compose-local: ${failure.message}\n${failure.details.map((l) => `${l}\n`).join('')}`);
  await runner.down({ force: (kill) => forceKills.push(kill) });
  say(failure === undefined ? 'stopped' : 'stopped the other services');
  return failure === undefined ? 0 : 1;
}

// Last resort: whatever happens to this process, its children do not outlive it.
process.on('exit', () => {
  for (const pid of liveGroups) signalGroup(pid, 'SIGKILL');
});
