import net from 'node:net';
import { freePorts } from '@quill/test-support';
import type { ComposeService, Healthcheck } from './compose-file.js';
import { configError } from './config-error.js';

/** Hosts that mean the service itself. */
const SELF_HOSTS = new Set(['0.0.0.0', 'localhost', '127.0.0.1', '[::]', '[::1]']);
/** Where every service listens: loopback only. */
export const LOCAL_HOST = '127.0.0.1';
const HOST_PORT = /(?<![\w.-])(\[[0-9a-fA-F:.]*\]|[A-Za-z0-9_.-]+):(\d{1,5})(?!\d)/g;

/** service -> container port -> local port. */
export type PortPlan = ReadonlyMap<string, ReadonlyMap<number, number>>;

export interface PortOptions {
  /** Added to each published (or container) port. */
  portOffset?: number;
  /** A free local port for every container port instead. */
  freePorts?: boolean;
}

/** Every string of a service that gets remapped: command, environment values, healthcheck test. */
function serviceStrings(service: ComposeService): string[] {
  const strings = [...service.command, ...Object.values(service.environment)];
  const check = service.healthcheck?.check;
  if (check?.kind === 'exec') strings.push(...check.argv);
  if (check?.kind === 'shell') strings.push(check.script);
  return strings;
}

/** alias -> service name. */
function aliasTable(services: readonly ComposeService[]): Map<string, string> {
  const table = new Map<string, string>();
  for (const service of services) for (const alias of service.aliases) table.set(alias, service.name);
  return table;
}

/** Which service a HOST in service `self` means, or undefined when it is not ours to remap. */
function hostTarget(host: string, self: string, aliases: ReadonlyMap<string, string>): string | undefined {
  return SELF_HOSTS.has(host) ? self : aliases.get(host);
}

/** The container ports of each service that need a local port: `ports`, `expose`, and HOST:PORT references. */
function containerPorts(services: readonly ComposeService[]): Map<string, Set<number>> {
  const aliases = aliasTable(services);
  const ports = new Map(services.map((s) => [s.name, new Set([...s.ports.map((p) => p.container), ...s.expose])]));
  for (const service of services) {
    for (const text of serviceStrings(service)) {
      for (const match of text.matchAll(HOST_PORT)) {
        const target = hostTarget(match[1]!, service.name, aliases);
        if (target === undefined) continue;
        const port = Number(match[2]);
        if (!Number.isInteger(port) || port < 1 || port > 65535) throw configError(`${service.name}: '${match[0]}': '${match[2]}' is not a port`);
        ports.get(target)!.add(port);
      }
    }
  }
  return ports;
}

/**
 * The local port of every container port: the port the file publishes it on, else the container
 * port itself, plus `portOffset`; or, with `freePorts`, a free one each. Two container ports on
 * one local port are an error.
 */
export async function planPorts(services: readonly ComposeService[], options: PortOptions = {}): Promise<PortPlan> {
  const portOffset = options.portOffset ?? 0;
  const wanted = containerPorts(services);
  const free = options.freePorts ? await freePorts([...wanted.values()].reduce((n, ports) => n + ports.size, 0), LOCAL_HOST) : [];
  const plan = new Map<string, Map<number, number>>();
  const owners = new Map<number, string>();
  for (const service of services) {
    const mapping = new Map<number, number>();
    for (const container of [...wanted.get(service.name)!].sort((a, b) => a - b)) {
      let local: number;
      if (options.freePorts) {
        local = free.shift()!;
      } else {
        const published = service.ports.find((p) => p.container === container && p.published !== undefined)?.published;
        local = (published ?? container) + portOffset;
        if (local < 1 || local > 65535) throw configError(`${service.name}:${container} maps to ${local}, outside 1-65535 (--port-offset)`);
      }
      const owner = `${service.name}:${container}`;
      const other = owners.get(local);
      if (other !== undefined) throw configError(`${owner} and ${other} would both use local port ${local}: use --port-offset N or --free-ports`);
      owners.set(local, owner);
      mapping.set(container, local);
    }
    plan.set(service.name, mapping);
  }
  return plan;
}

/** Rewrites one string of service `self`: HOST:PORT references, then volume paths. */
function remapString(text: string, self: ComposeService, aliases: ReadonlyMap<string, string>, plan: PortPlan): string {
  let out = text.replace(HOST_PORT, (whole, host: string, port: string) => {
    const target = hostTarget(host, self.name, aliases);
    if (target === undefined) return whole;
    return `${LOCAL_HOST}:${plan.get(target)!.get(Number(port))!}`;
  });
  // Longest container path first, so /var/lib/quill/x wins over /var/lib/quill.
  for (const volume of [...self.volumes].sort((a, b) => b.target.length - a.target.length)) {
    const target = volume.target.replace(/\/+$/, '');
    const escaped = target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out.replace(new RegExp(`(^|[=,:\\s'"])${escaped}(?=$|[/,:\\s'"])`, 'g'), (_whole, before: string) => `${before}${volume.local}`);
  }
  return out;
}

/** The service as it runs locally: command, environment and healthcheck remapped by `plan` and its volumes. */
export function localService(service: ComposeService, services: readonly ComposeService[], plan: PortPlan): ComposeService {
  const aliases = aliasTable(services);
  const remap = (text: string): string => remapString(text, service, aliases, plan);
  const hc = service.healthcheck;
  const healthcheck: Healthcheck | undefined =
    hc === undefined
      ? undefined
      : { ...hc, check: hc.check.kind === 'exec' ? { kind: 'exec', argv: hc.check.argv.map(remap) } : { kind: 'shell', script: remap(hc.check.script) } };
  return {
    ...service,
    command: service.command.map(remap),
    environment: Object.fromEntries(Object.entries(service.environment).map(([k, v]) => [k, remap(v)])),
    healthcheck,
  };
}

function flagValue(args: readonly string[], flag: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === flag) return args[i + 1];
    if (args[i]!.startsWith(`${flag}=`)) return args[i]!.slice(flag.length + 1);
  }
  return undefined;
}

/** The address clients use for a broker service (its --advertised, else --listen); undefined for other services. */
export function brokerAddress(command: readonly string[]): string | undefined {
  const [role, action] = command;
  const roles = role === 'node' ? (flagValue(command, '--roles') ?? 'broker,controller').split(',').map((r) => r.trim()) : [role];
  if (action !== 'start' || !roles.includes('broker')) return undefined;
  return flagValue(command, '--advertised') ?? flagValue(command, '--listen');
}

/** Fails with a config error when `port` on loopback is taken. */
export async function assertPortFree(port: number, owner: string): Promise<void> {
  const server = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, LOCAL_HOST, resolve);
    });
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw configError(
      code === 'EADDRINUSE'
        ? `${LOCAL_HOST}:${port} (for ${owner}) is in use: another cluster? --port-offset N or --free-ports picks other ports`
        : `cannot listen on ${LOCAL_HOST}:${port} (for ${owner}): ${message}`,
    );
  }
  await new Promise((resolve) => server.close(resolve));
}
