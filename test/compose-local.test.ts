import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, cliNodeArguments } from '@quill/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { runQuill, type QuillRun } from './support/run-quill.js';

// scripts/compose-local runs deploy/docker-compose.yml's services as local processes: the six
// nodes come up, the one-shot service creates `demo`, a produce/consume round trip works against
// the printed bootstrap, and Ctrl-C stops everything cleanly.

const SCRIPT = path.join(REPO_ROOT, 'scripts', 'compose-local');
const COMPOSE_FILE = path.join(REPO_ROOT, 'deploy', 'docker-compose.yml');
/** The CLI entry the services run: compiled when fresh, else the sources (as compose-local picks). */
const CLI_MAIN = cliNodeArguments().at(-1)!;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

class ComposeLocal {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  exit: Exit | undefined;
  readonly exited: Promise<Exit>;

  constructor(args: readonly string[]) {
    // Run as a developer does: the executable script itself (shebang, ESM).
    this.child = spawn(SCRIPT, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) =>
      this.child.once('close', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      }),
    );
  }

  /** The bootstrap of the `ready` line; fails at once if the script exits first. */
  async ready(timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = /^ready (\S+)$/m.exec(this.stdout);
      if (match !== null) return match[1]!;
      if (this.exit !== undefined) throw new Error(`compose-local exited (${JSON.stringify(this.exit)}) before ready:\n${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`no ready line within ${timeoutMs} ms:\n${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The local address compose-local gave `service:port` (from the table it prints at start). */
  address(service: string, port: number): string {
    const match = new RegExp(`${service}:${port} -> ([^\\s,]+)`).exec(this.stderr);
    if (match === null) throw new Error(`no mapping for ${service}:${port} in:\n${this.stderr}`);
    return match[1]!;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it exited. */
  async stop(graceMs = 30_000): Promise<void> {
    if (this.exit !== undefined) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** pid -> { ppid, cmdline } of every live (non-zombie) process. */
function processTable(): Map<number, { ppid: number; cmdline: string }> {
  const table = new Map<number, { ppid: number; cmdline: string }>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z') continue;
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      table.set(Number(entry), { ppid: Number(ppid), cmdline });
    } catch {
      // Gone meanwhile.
    }
  }
  return table;
}

/** Every descendant of `root`, with its command line. */
function descendants(root: number): Map<number, string> {
  const table = processTable();
  const found = new Map<number, string>();
  let frontier = [root];
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const [pid, info] of table) {
      if (frontier.includes(info.ppid) && !found.has(pid)) {
        found.set(pid, info.cmdline);
        next.push(pid);
      }
    }
    frontier = next;
  }
  return found;
}

/** Of `processes` (pid -> command line), those still running the same command. */
function stillRunning(processes: ReadonlyMap<number, string>): number[] {
  const table = processTable();
  return [...processes].filter(([pid, cmdline]) => table.get(pid)?.cmdline === cmdline).map(([pid]) => pid);
}

/** Processes whose command line mentions `text` (the run's temp directory). */
function processesMentioning(text: string): Map<number, string> {
  return new Map([...processTable()].filter(([pid, info]) => pid !== process.pid && info.cmdline.includes(text)).map(([pid, info]) => [pid, info.cmdline]));
}

const quill = (args: readonly string[], stdin = ''): Promise<QuillRun> => runQuill(args, stdin);

interface NodeHealthcheck {
  service: string;
  /** The container port of the node's --metrics-listen. */
  metricsPort: number;
  /** The healthcheck's argv as the compose file gives it. */
  argv: string[];
}

/** Each node service's metrics port and healthcheck, read from the compose file. */
function nodeHealthchecks(): NodeHealthcheck[] {
  const file = parseYaml(fs.readFileSync(COMPOSE_FILE, 'utf8')) as { services: Record<string, { command: string[]; healthcheck?: { test: string[] } }> };
  return Object.entries(file.services)
    .filter(([, service]) => service.command[1] === 'start')
    .map(([name, service]) => {
      const listen = service.command[service.command.indexOf('--metrics-listen') + 1]!;
      return { service: name, metricsPort: Number(listen.slice(listen.lastIndexOf(':') + 1)), argv: service.healthcheck!.test };
    });
}

/** Runs a healthcheck's `CMD` argv (its `127.0.0.1:PORT` is the container's, replaced by `local`) and gives its exit code. */
function runCheck(argv: readonly string[], containerAddress: string, local: string): Promise<number> {
  const [program, ...args] = argv.slice(1).map((part) => part.replace(containerAddress, local));
  return new Promise((resolve) => execFile(program === 'node' ? process.execPath : program!, args, (error) => resolve(error === null ? 0 : Number(error.code ?? 1))));
}

let run: ComposeLocal | undefined;
let dataDir: string | undefined;
/** The run's children as seen while it was up, killed in afterEach if anything is left. */
let children = new Map<number, string>();

afterEach(async () => {
  await run?.stop();
  if (dataDir !== undefined) {
    for (const pid of [...stillRunning(children), ...processesMentioning(dataDir).keys()]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  run = dataDir = undefined;
  children = new Map();
});

describe('scripts/compose-local', () => {
  it('runs the compose file as six processes, creates demo, round-trips records and stops cleanly on SIGINT', async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-compose-local-'));
    run = new ComposeLocal(['--data-dir', dataDir, '--free-ports']);
    const bootstrap = await run.ready(90_000);

    // Three brokers, on distinct loopback ports.
    const brokers = bootstrap.split(',');
    expect(brokers).toHaveLength(3);
    for (const address of brokers) expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(new Set(brokers).size).toBe(3);
    expect(brokers).toEqual([run.address('broker-1', 9092), run.address('broker-2', 9093), run.address('broker-3', 9094)]);

    // Six node processes, each the compose file's command, remapped; the one-shot has exited.
    children = descendants(run.child.pid!);
    const nodes = [...children.values()].filter((cmdline) => cmdline.includes(CLI_MAIN));
    expect(nodes.filter((c) => / controller start /.test(c))).toHaveLength(3);
    expect(nodes.filter((c) => / broker start /.test(c))).toHaveLength(3);
    expect(nodes).toHaveLength(6);
    for (const cmdline of nodes) {
      expect(cmdline).toContain('--cluster-id quill-compose');
      expect(cmdline).toContain(`--data-dir ${dataDir}/`);
      expect(cmdline).not.toMatch(/controller-\d:|broker-\d:|0\.0\.0\.0/);
    }
    expect(run.stderr).toContain('create-demo-topic completed (exit code 0): Created topic demo.');
    for (const service of ['controller-1', 'controller-2', 'controller-3', 'broker-1', 'broker-2', 'broker-3', 'create-demo-topic']) {
      expect(fs.existsSync(path.join(dataDir, `${service}.log`)), service).toBe(true);
    }

    // The one-shot service's topic: 3 partitions, each on all three brokers (ids 4, 5, 6).
    const described = await quill(['topics', 'describe', 'demo', '--json', '--bootstrap', bootstrap]);
    expect(described.code, described.stderr).toBe(0);
    const demo = JSON.parse(described.stdout) as { partitions: Array<{ partition: number; replicas: number[]; isr: number[] }> };
    expect(demo.partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
    for (const p of demo.partitions) expect([...p.replicas].sort()).toEqual([4, 5, 6]);

    // The quorum: voters 1-3 with a leader; brokers 4-6 unfenced at their remapped addresses.
    const status = await quill(['cluster', 'status', '--json', '--controllers', run.address('controller-1', 9192)]);
    expect(status.code, status.stderr).toBe(0);
    const cluster = JSON.parse(status.stdout) as { clusterId: string; leaderId: number; voters: Array<{ id: number }>; brokers: Array<{ id: number; state: string; endpoints: string[] }> };
    expect(cluster.clusterId).toBe('quill-compose');
    expect(cluster.voters.map((v) => v.id)).toEqual([1, 2, 3]);
    expect([1, 2, 3]).toContain(cluster.leaderId);
    expect(cluster.brokers.map((b) => [b.id, b.state, b.endpoints[0]])).toEqual([
      [4, 'unfenced', brokers[0]],
      [5, 'unfenced', brokers[1]],
      [6, 'unfenced', brokers[2]],
    ]);
    // Each broker's Kafka listener, registered as its second endpoint at its remapped address.
    expect(cluster.brokers.map((b) => b.endpoints[1])).toEqual([run.address('broker-1', 29092), run.address('broker-2', 29093), run.address('broker-3', 29094)]);

    // Each node's health endpoints, on its --metrics-listen port; the compose healthchecks ask /readyz.
    const checks = nodeHealthchecks();
    expect(checks.map((c) => c.service).sort()).toEqual(['broker-1', 'broker-2', 'broker-3', 'controller-1', 'controller-2', 'controller-3']);
    for (const check of checks) {
      expect(check.argv[0], check.service).toBe('CMD');
      expect(check.argv.at(-1), check.service).toBe(`http://127.0.0.1:${check.metricsPort}/readyz`);
      const local = run.address(check.service, check.metricsPort);
      for (const endpoint of ['healthz', 'readyz']) {
        const response = await fetch(`http://${local}/${endpoint}`);
        expect(response.status, `${check.service} /${endpoint}: ${await response.text()}`).toBe(200);
      }
      expect(await runCheck(check.argv, `127.0.0.1:${check.metricsPort}`, local), check.service).toBe(0);
    }

    // The round trip.
    const values = Array.from({ length: 12 }, (_, i) => `compose-${i}`);
    const produced = await quill(['produce', 'demo', '--acks', 'all', '--bootstrap', bootstrap], `${values.join('\n')}\n`);
    expect(produced.code, produced.stderr).toBe(0);
    const consumed = await quill(['consume', 'demo', '--from-beginning', '--max-messages', String(values.length), '--json', '--bootstrap', bootstrap]);
    expect(consumed.code, consumed.stderr).toBe(0);
    const records = consumed.stdout.trim().split('\n').map((line) => JSON.parse(line) as { partition: number; offset: number; value: string });
    expect(records.map((r) => r.value).sort()).toEqual([...values].sort());

    // Ctrl-C: every service stops (brokers before controllers), exit 0, nothing left behind.
    run.child.kill('SIGINT');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(run.stderr).toMatch(/compose-local: stopped\n$/);
    expect(run.stderr.indexOf('broker-1 stopped')).toBeLessThan(run.stderr.indexOf('stopping controller-1'));
    expect(stillRunning(children)).toEqual([]);
    expect([...processesMentioning(dataDir).values()]).toEqual([]);
    // With the node gone, its healthcheck fails.
    const [first] = checks;
    expect(await runCheck(first!.argv, `127.0.0.1:${first!.metricsPort}`, run.address(first!.service, first!.metricsPort))).not.toBe(0);
  });

  it('stops the others and exits 1 when a service dies; refuses compose keys it cannot honour', async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-compose-local-'));
    const file = path.join(dataDir, 'docker-compose.yml');
    // `sleeper` waits forever for a quorum that never comes (and is never healthy, so no ready line);
    // `broken` misses --voters and exits 1 at once.
    fs.writeFileSync(
      file,
      [
        'services:',
        '  sleeper:',
        '    restart: unless-stopped',
        '    command: [broker, start, --node-id, "4", --listen, "0.0.0.0:9092", --controllers, "broken:9192", --data-dir, /data]',
        '    volumes: [sleeper-data:/data]',
        '    healthcheck: {test: [CMD, "false"], start_period: 60s, start_interval: 1s}',
        '  broken:',
        '    restart: unless-stopped',
        '    command: [controller, start, --node-id, "1", --listen, "0.0.0.0:9192", --data-dir, /data]',
        '    depends_on: [sleeper]',
        'volumes:',
        '  sleeper-data:',
        '',
      ].join('\n'),
    );
    run = new ComposeLocal(['-f', file, '--data-dir', dataDir, '--free-ports']);
    expect(await run.exited).toEqual({ code: 1, signal: null });
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('broken exited unexpectedly (exit code 1)');
    expect(run.stderr).toContain('Missing required argument: voters');
    expect(run.stderr).toMatch(/sleeper stopped/);
    expect(fs.existsSync(path.join(dataDir, 'sleeper-data'))).toBe(true);
    expect([...processesMentioning(dataDir).values()]).toEqual([]);

    fs.writeFileSync(file, 'services:\n  a:\n    command: [topics, list]\n    network_mode: host\n');
    const refused = new ComposeLocal(['-f', file, '--data-dir', dataDir]);
    expect(await refused.exited).toEqual({ code: 2, signal: null });
    expect(refused.stderr).toContain("services.a: 'network_mode' is not supported by compose-local");
  });
});
