import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { SUPERVISOR_DEFAULTS } from '../supervisor/supervised-process.js';
import { configError } from './config-error.js';
import { parseDuration } from './duration.js';
import { interpolate, type Environment } from './interpolate.js';

export const COMPOSE_DEFAULTS = {
  /** Docker's healthcheck defaults. */
  healthcheck: { intervalMs: 30_000, timeoutMs: 30_000, retries: 3, startPeriodMs: 0, startIntervalMs: 5_000 },
  /** compose's stop_grace_period default (10 s). */
  stopGraceMs: SUPERVISOR_DEFAULTS.stopGraceMs,
} as const;

/** Keys that mean nothing for a local process. */
const IGNORED_KEYS = new Set(['image', 'build', 'hostname', 'container_name', 'networks', 'labels', 'logging', 'init', 'user', 'pull_policy']);
const SUPPORTED_KEYS = new Set(['command', 'environment', 'ports', 'expose', 'volumes', 'depends_on', 'healthcheck', 'restart', 'stop_grace_period', 'stop_signal']);
const CONDITIONS = ['service_started', 'service_healthy', 'service_completed_successfully'] as const;

export type DependencyCondition = (typeof CONDITIONS)[number];

export interface Dependency {
  service: string;
  condition: DependencyCondition;
}

/** A `ports` entry: the container port and the host port it is published on, if any. */
export interface PortEntry {
  container: number;
  published: number | undefined;
}

/** A mount: the container path and the local directory that stands for it. */
export interface VolumeMount {
  target: string;
  local: string;
  /** The named volume, for a named one. */
  volume?: string;
}

export type HealthcheckCommand = { kind: 'exec'; argv: string[] } | { kind: 'shell'; script: string };

export interface Healthcheck {
  check: HealthcheckCommand;
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
  startIntervalMs: number;
}

export interface ComposeService {
  name: string;
  /** The names other services may use for it: its name, hostname and container_name. */
  aliases: string[];
  /** The arguments of the quill CLI (the image's ENTRYPOINT). */
  command: string[];
  environment: Record<string, string>;
  ports: PortEntry[];
  expose: number[];
  volumes: VolumeMount[];
  dependsOn: Dependency[];
  healthcheck: Healthcheck | undefined;
  /** restart: always or unless-stopped; otherwise a one-shot that must exit 0. */
  longRunning: boolean;
  stopGraceMs: number;
  stopSignal: NodeJS.Signals;
}

type Raw = Record<string, unknown>;

function isRecord(value: unknown): value is Raw {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Reads and checks a compose file (variables interpolated from `env`); returns its services in
 * file order. Volumes map to directories under `dataDir`.
 */
export function loadCompose(file: string, dataDir: string, env: Environment = process.env): ComposeService[] {
  const text = fs.readFileSync(file, 'utf8');
  const document = interpolate(YAML.parse(text, { merge: true }), env, file);
  if (!isRecord(document) || !isRecord(document['services'])) throw configError(`${file}: no services`);
  const rawServices = document['services'];
  const fileDir = path.dirname(file);
  const names = new Set(Object.keys(rawServices));
  const declaredVolumes = new Set(Object.keys(isRecord(document['volumes']) ? document['volumes'] : {}));
  const services = Object.entries(rawServices).map(([name, raw]) => {
    const what = `${file}: services.${name}`;
    if (!isRecord(raw)) throw configError(`${what}: a service needs at least a command`);
    for (const key of Object.keys(raw)) {
      if (key === 'entrypoint') throw configError(`${what}: entrypoint is not supported (every service runs the quill CLI, the image's ENTRYPOINT)`);
      if (!SUPPORTED_KEYS.has(key) && !IGNORED_KEYS.has(key) && !key.startsWith('x-')) throw configError(`${what}: '${key}' is not supported by compose-local`);
    }
    const restart = String(raw['restart'] ?? 'no');
    if (!['no', 'always', 'unless-stopped'].includes(restart)) throw configError(`${what}.restart: '${restart}' is not supported (no, always, unless-stopped)`);
    const volumes = asArray(raw['volumes'], `${what}.volumes`).map((entry, i) => parseVolumeEntry(entry, name, i, fileDir, dataDir, `${what}.volumes`));
    for (const v of volumes) {
      if (v.volume !== undefined && !declaredVolumes.has(v.volume)) throw configError(`${what}: volume '${v.volume}' is not declared under the top-level volumes`);
    }
    const stopSignal = String(raw['stop_signal'] ?? 'SIGTERM');
    if (!(stopSignal in os.constants.signals)) throw configError(`${what}.stop_signal: '${stopSignal}' is not a signal name`);
    const service: ComposeService = {
      name,
      aliases: [name, raw['hostname'], raw['container_name']].filter((a): a is string => typeof a === 'string'),
      command: parseCommand(raw['command'], `${what}.command`),
      environment: parseEnvironment(raw['environment'], env, `${what}.environment`),
      ports: asArray(raw['ports'], `${what}.ports`).map((entry) => parsePortEntry(entry, `${what}.ports`)),
      expose: asArray(raw['expose'], `${what}.expose`).map((p) => parsePort(String(p).replace(/\/tcp$/, ''), `${what}.expose`)),
      volumes,
      dependsOn: parseDependsOn(raw['depends_on'], names, `${what}.depends_on`),
      healthcheck: parseHealthcheck(raw['healthcheck'], `${what}.healthcheck`),
      longRunning: restart !== 'no',
      stopGraceMs: raw['stop_grace_period'] === undefined ? COMPOSE_DEFAULTS.stopGraceMs : parseDuration(raw['stop_grace_period'], `${what}.stop_grace_period`),
      stopSignal: stopSignal as NodeJS.Signals,
    };
    return service;
  });
  const byName = new Map(services.map((s) => [s.name, s]));
  for (const service of services) {
    for (const dep of service.dependsOn) {
      const target = byName.get(dep.service)!;
      if (dep.condition === 'service_healthy' && target.healthcheck === undefined) {
        throw configError(`${file}: ${service.name} waits for ${dep.service} to be healthy, but ${dep.service} has no healthcheck`);
      }
      if (dep.condition === 'service_completed_successfully' && target.longRunning) {
        const restart = (rawServices[dep.service] as Raw)['restart'];
        throw configError(`${file}: ${service.name} waits for ${dep.service} to complete, but ${dep.service} is long-running (restart: ${String(restart)})`);
      }
    }
  }
  checkAcyclic(services);
  return services;
}

function asArray(value: unknown, what: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw configError(`${what} must be a list`);
  return value;
}

function parsePort(text: unknown, what: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw configError(`${what}: '${String(text)}' is not a port`);
  return port;
}

/** A `ports` entry: "C", "H:C", "IP:H:C" (optionally "/tcp"), a number, or the long syntax. */
function parsePortEntry(entry: unknown, what: string): PortEntry {
  if (typeof entry === 'number') return { container: parsePort(entry, what), published: undefined };
  if (isRecord(entry)) {
    if (entry['protocol'] !== undefined && entry['protocol'] !== 'tcp') throw configError(`${what}: only tcp ports are supported`);
    return { container: parsePort(entry['target'], what), published: entry['published'] === undefined ? undefined : parsePort(entry['published'], what) };
  }
  const text = String(entry).replace(/\/tcp$/, '');
  if (text.includes('-') || text.includes('/')) throw configError(`${what}: port ranges and non-tcp ports are not supported ('${String(entry)}')`);
  const parts = text.startsWith('[') ? [text.slice(0, text.indexOf(']') + 1), ...text.slice(text.indexOf(']') + 2).split(':')] : text.split(':');
  if (parts.length === 1) return { container: parsePort(parts[0], what), published: undefined };
  const container = parsePort(parts.at(-1), what);
  const hostPort = parts.at(-2);
  return { container, published: hostPort === '' ? undefined : parsePort(hostPort, what) };
}

/** A `volumes` entry: "name:/target[:mode]", "./host:/target", "/target", or the long syntax. */
function parseVolumeEntry(entry: unknown, service: string, index: number, fileDir: string, dataDir: string, what: string): VolumeMount {
  const anonymous = path.join(dataDir, `${service}-volume-${index + 1}`);
  let source: unknown;
  let target: unknown;
  let type: unknown;
  if (isRecord(entry)) {
    ({ source, target, type } = entry);
    if (type === 'tmpfs') return { target: String(target), local: anonymous };
    if (type !== undefined && type !== 'volume' && type !== 'bind') throw configError(`${what}: volume type '${String(type)}' is not supported`);
  } else {
    const parts = String(entry).split(':');
    if (parts.length === 1) [target] = parts;
    else [source, target] = parts;
  }
  if (typeof target !== 'string' || !target.startsWith('/')) throw configError(`${what}: '${JSON.stringify(entry)}' needs an absolute container path`);
  if (source === undefined || source === '') return { target, local: anonymous };
  const from = String(source);
  const bind = type === 'bind' || from.startsWith('.') || from.startsWith('/') || from.startsWith('~');
  if (!bind) return { target, local: path.join(dataDir, from), volume: from };
  const expanded = from.startsWith('~') ? path.join(process.env['HOME'] ?? '/', from.slice(1)) : from;
  return { target, local: path.resolve(fileDir, expanded) };
}

function parseHealthcheck(raw: unknown, what: string): Healthcheck | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isRecord(raw)) throw configError(`${what} must be a map`);
  if (raw['disable'] === true) return undefined;
  let test = raw['test'];
  if (test === undefined) throw configError(`${what}: a healthcheck needs a test (compose-local cannot see the image's HEALTHCHECK)`);
  if (typeof test === 'string') test = ['CMD-SHELL', test];
  if (!Array.isArray(test) || test.length === 0) throw configError(`${what}.test must be a list or a string`);
  if (test[0] === 'NONE') return undefined;
  let check: HealthcheckCommand;
  if (test[0] === 'CMD' && test.length > 1) check = { kind: 'exec', argv: test.slice(1).map(String) };
  else if (test[0] === 'CMD-SHELL' && test.length === 2) check = { kind: 'shell', script: String(test[1]) };
  else throw configError(`${what}.test must start with CMD, CMD-SHELL or NONE`);
  const defaults = COMPOSE_DEFAULTS.healthcheck;
  const ms = (key: string, fallback: number): number => (raw[key] === undefined ? fallback : parseDuration(raw[key], `${what}.${key}`));
  const retries = raw['retries'] === undefined ? defaults.retries : Number(raw['retries']);
  if (!Number.isInteger(retries) || retries < 1) throw configError(`${what}.retries must be a positive integer`);
  return {
    check,
    intervalMs: ms('interval', defaults.intervalMs),
    timeoutMs: ms('timeout', defaults.timeoutMs),
    retries,
    startPeriodMs: ms('start_period', defaults.startPeriodMs),
    startIntervalMs: ms('start_interval', defaults.startIntervalMs),
  };
}

function parseDependsOn(raw: unknown, names: ReadonlySet<string>, what: string): Dependency[] {
  if (raw === undefined || raw === null) return [];
  if (Array.isArray(raw)) {
    return raw.map((entry) => {
      const service = String(entry);
      if (!names.has(service)) throw configError(`${what}: no service '${service}'`);
      return { service, condition: 'service_started' };
    });
  }
  if (!isRecord(raw)) throw configError(`${what} must be a list or a map`);
  return Object.entries(raw).map(([service, spec]) => {
    const condition = (isRecord(spec) ? spec['condition'] : undefined) ?? 'service_started';
    if (!(CONDITIONS as readonly unknown[]).includes(condition)) throw configError(`${what}.${service}: unknown condition '${String(condition)}'`);
    if (!names.has(service)) throw configError(`${what}: no service '${service}'`);
    return { service, condition: condition as DependencyCondition };
  });
}

function parseEnvironment(raw: unknown, env: Environment, what: string): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  const result: Record<string, string> = {};
  // A name without a value passes this process's value through, when it has one.
  const passThrough = (name: string): void => {
    const value = env[name];
    if (value !== undefined) result[name] = value;
  };
  if (Array.isArray(raw)) {
    for (const entry of raw) {
      const text = String(entry);
      const at = text.indexOf('=');
      if (at < 0) passThrough(text);
      else result[text.slice(0, at)] = text.slice(at + 1);
    }
    return result;
  }
  if (!isRecord(raw)) throw configError(`${what} must be a list or a map`);
  for (const [key, value] of Object.entries(raw)) {
    if (value === null || value === undefined) passThrough(key);
    else result[key] = String(value);
  }
  return result;
}

function parseCommand(raw: unknown, what: string): string[] {
  if (raw === undefined || raw === null) throw configError(`${what}: a command is needed (the image's default command only prints --help)`);
  if (Array.isArray(raw)) return raw.map(String);
  const text = String(raw);
  if (/["'\\]/.test(text)) throw configError(`${what}: write a command with quotes as a list`);
  return text.split(/\s+/).filter((part) => part !== '');
}

function checkAcyclic(services: readonly ComposeService[]): void {
  const byName = new Map(services.map((s) => [s.name, s]));
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (service: ComposeService, trail: readonly string[]): void => {
    if (state.get(service.name) === 'done') return;
    if (state.get(service.name) === 'visiting') throw configError(`depends_on has a cycle: ${[...trail, service.name].join(' -> ')}`);
    state.set(service.name, 'visiting');
    for (const dep of service.dependsOn) visit(byName.get(dep.service)!, [...trail, service.name]);
    state.set(service.name, 'done');
  };
  for (const service of services) visit(service, []);
}
