import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { devStatePath, requestRestart, type DevState } from './dev-control.js';
import { brokerCount, devControllerAddresses, devNodeArgs, devPorts, restartNodeCommand, runDev, type NodeSpec, type Readiness } from './dev.js';

describe('quill dev node arguments', () => {
  it('tells how to start a dead node again from another terminal', () => {
    expect(restartNodeCommand(2, '/data/dev')).toBe('pnpm quill dev restart-node 2 --data-dir /data/dev');
  });

  it('starts node I in combined mode on P+I-1, its controller on P+10+I-1, all three as voters', () => {
    expect(devNodeArgs(2, 9092, '/data/dev')).toEqual([
      'node', 'start',
      '--roles', 'broker,controller',
      '--node-id', '2',
      '--listen', '127.0.0.1:9093',
      '--kafka-listen', '127.0.0.1:9113',
      '--metrics-listen', '127.0.0.1:9133',
      '--controller-listen', '127.0.0.1:9103',
      '--voters', '1@127.0.0.1:9102,2@127.0.0.1:9103,3@127.0.0.1:9104',
      '--data-dir', path.join('/data/dev', 'node-2'),
      '--cluster-id', 'quill-dev',
    ]);
  });

  it('starts a node past the three voters as a broker only, on P+I-1', () => {
    expect(devNodeArgs(5, 9092, '/data/dev')).toEqual([
      'node', 'start',
      '--roles', 'broker',
      '--node-id', '5',
      '--listen', '127.0.0.1:9096',
      '--kafka-listen', '127.0.0.1:9116',
      '--metrics-listen', '127.0.0.1:9136',
      '--voters', '1@127.0.0.1:9102,2@127.0.0.1:9103,3@127.0.0.1:9104',
      '--data-dir', path.join('/data/dev', 'node-5'),
      '--cluster-id', 'quill-dev',
    ]);
  });

  it('listens on a port per broker and one per voter, and takes 3 to 10 brokers', () => {
    expect(devPorts(9092, 3)).toEqual([9092, 9093, 9094, 9102, 9103, 9104, 9112, 9113, 9114, 9132, 9133, 9134, 9142]);
    expect(devPorts(9092, 5)).toEqual([9092, 9093, 9094, 9095, 9096, 9102, 9103, 9104, 9112, 9113, 9114, 9115, 9116, 9132, 9133, 9134, 9135, 9136, 9142]);
    expect(brokerCount(4)).toBe(4);
    expect(() => brokerCount(2)).toThrow('--brokers must be an integer of at least 3');
    expect(() => brokerCount(11)).toThrow('--brokers must be at most 10 (the ports below the controllers), got 11.');
  });

  it("puts the controllers of a dev cluster above its brokers' ports", () => {
    expect(devControllerAddresses()).toEqual(['127.0.0.1:9102', '127.0.0.1:9103', '127.0.0.1:9104']);
    expect(devControllerAddresses(20_000)).toEqual(['127.0.0.1:20010', '127.0.0.1:20011', '127.0.0.1:20012']);
  });
});

// Supervision with stand-in nodes: small Node.js scripts instead of `quill node start`.
// Each sets its SIGTERM handler before it says "up".
const STEADY = "process.on('SIGTERM', () => { process.stdout.write('bye\\n'); process.exit(0); }); process.stdout.write('up\\n'); setInterval(() => {}, 1000);";
const CRASHING = "process.stdout.write('starting\\n'); process.stderr.write('boom: disk full\\n'); setTimeout(() => process.exit(3), 100);";
const STUBBORN = "process.on('SIGTERM', () => process.stdout.write('ignoring SIGTERM\\n')); process.stdout.write('up\\n'); setInterval(() => {}, 1000);";

describe('quill dev supervision', () => {
  let dir: string;
  let stdout: string;
  let stderr: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'quill-dev-test-'));
    stdout = '';
    stderr = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      stdout += String(chunk);
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr += String(chunk);
      return true;
    });
  });

  afterEach(() => {
    vi.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  const nodes = (...scripts: string[]): NodeSpec[] =>
    scripts.map((script, i) => ({ id: i + 1, name: `node-${i + 1}`, args: ['-e', script], logFile: path.join(dir, `node-${i + 1}.log`) }));
  const log = (n: number): string => (existsSync(path.join(dir, `node-${n}.log`)) ? readFileSync(path.join(dir, `node-${n}.log`), 'utf8') : '');
  const settings = { cwd: process.cwd(), bootstrap: '127.0.0.1:9092', kafkaBootstrap: '127.0.0.1:9112,127.0.0.1:9113', metricsUrls: 'http://127.0.0.1:9132/metrics,http://127.0.0.1:9133/metrics', pollMs: 10, graceMs: 5_000, restartCommand: (node: NodeSpec) => `restart ${node.name}` };
  const notReady = async (): Promise<Readiness> => ({ answering: [], registered: [] });
  /** A stop request the test makes, as Ctrl-C would. */
  const stopper = () => {
    let stop!: () => void;
    const requested = new Promise<void>((resolve) => (stop = resolve));
    return { requested, stop };
  };
  const state = (): DevState => JSON.parse(readFileSync(devStatePath(dir), 'utf8')) as DevState;

  it('prints "ready <bootstrap>", "kafka <kafka bootstrap>" , "metrics <urls>" and "console <url>" once every broker is up, and stops the console and the nodes with SIGTERM when asked', async () => {
    let checks = 0;
    let requestStop!: () => void;
    const stopRequested = new Promise<void>((resolve) => (requestStop = resolve));
    const checkReadiness = async (): Promise<Readiness> => {
      checks++;
      // A stand-in node is up once it printed "up" (its SIGTERM handler is set by then): a loaded
      // machine can take longer than any fixed delay to start three node processes.
      const up = [1, 2, 3].every((n) => existsSync(path.join(dir, `node-${n}.log`)) && log(n).includes('up'));
      if (checks < 3 || !up) return { answering: [1, 2], registered: [1] };
      // Stop as a user would, some time after the ready line.
      setTimeout(requestStop, 300);
      return { answering: [1, 2, 3], registered: [1, 2, 3] };
    };
    let consoleClosed = false;
    const startConsole = async () => ({ url: 'http://127.0.0.1:9142', close: async () => void (consoleClosed = true) });
    await runDev({ ...settings, nodes: nodes(STEADY, STEADY, STEADY), checkReadiness, stopRequested, startConsole });
    expect(stdout).toBe('ready 127.0.0.1:9092\nkafka 127.0.0.1:9112,127.0.0.1:9113\nmetrics http://127.0.0.1:9132/metrics,http://127.0.0.1:9133/metrics\nconsole http://127.0.0.1:9142\n');
    expect(consoleClosed).toBe(true);
    for (const n of [1, 2, 3]) expect(log(n)).toBe('up\nbye\n');
    expect(stderr).toContain('Stopped.');
  });

  it('reports a node that exits by itself with its last lines and how to restart it, and keeps the others running', async () => {
    const { requested, stop } = stopper();
    const running = runDev({ ...settings, nodes: nodes(STEADY, CRASHING, STEADY), checkReadiness: notReady, stopRequested: requested });
    await vi.waitFor(() => expect(stderr).toContain('boom: disk full'), { timeout: 30_000 });
    expect(stderr).toContain(
      `node-2 exited unexpectedly (exit code 3); node-1 and node-3 keep serving. Start it again on its data: restart node-2\n` +
        `Last lines of ${path.join(dir, 'node-2.log')}:\n  starting\n  boom: disk full\n`,
    );
    await vi.waitFor(() => expect(log(1) + log(3)).toBe('up\nup\n'), { timeout: 30_000 });
    stop();
    await running;
    expect(stdout).toBe('');
    expect(log(1)).toBe('up\nbye\n');
    expect(log(3)).toBe('up\nbye\n');
  });

  it('gives up once every node has exited', async () => {
    await expect(
      runDev({ ...settings, nodes: nodes(CRASHING, CRASHING), checkReadiness: notReady, stopRequested: new Promise<void>(() => undefined) }),
    ).rejects.toThrow('every node has exited');
    expect(stderr).toMatch(/node-\d exited unexpectedly \(exit code 3\); no node is left\./);
  });

  it('starts a killed node again on request through the control port, under its supervision, and stops it on Ctrl-C', async () => {
    const { requested, stop } = stopper();
    const running = runDev({ ...settings, nodes: nodes(STEADY, STEADY), checkReadiness: notReady, stopRequested: requested, stateFile: devStatePath(dir) });
    await vi.waitFor(() => expect(log(1) + log(2)).toBe('up\nup\n'), { timeout: 30_000 });
    const first = state();
    expect(first.pid).toBe(process.pid);
    expect(first.nodes.map((n) => n.command.slice(1))).toEqual([['-e', STEADY], ['-e', STEADY]]);
    await expect(requestRestart(dir, 2)).rejects.toThrow(`node-2 is running (pid ${first.nodes[1]!.pid})`);
    await expect(requestRestart(dir, 7)).rejects.toThrow('There is no node 7: the nodes are 1, 2.');

    process.kill(first.nodes[1]!.pid!, 'SIGKILL');
    await vi.waitFor(() => expect(stderr).toContain('node-2 exited unexpectedly (killed by SIGKILL); node-1 keeps serving. Start it again on its data: restart node-2\n'), { timeout: 30_000 });
    expect(stderr).not.toContain('Last lines');
    expect(state().nodes[1]!.pid).toBeNull();

    await expect(requestRestart(dir, 2)).resolves.toMatch(/^node-2 started again on its data \(pid \d+\)/);
    const restarted = state().nodes[1]!.pid;
    expect(restarted).not.toBeNull();
    expect(restarted).not.toBe(first.nodes[1]!.pid);
    await vi.waitFor(() => expect(log(2)).toBe('up\nup\n'), { timeout: 30_000 });

    stop();
    await running;
    expect(log(1)).toBe('up\nbye\n');
    expect(log(2)).toBe('up\nup\nbye\n');
    expect(existsSync(devStatePath(dir))).toBe(false);
    await expect(requestRestart(dir, 2)).rejects.toThrow('No quill dev is running');
  });

  it('answers a malformed control request with an error and keeps running', async () => {
    const { requested, stop } = stopper();
    const running = runDev({ ...settings, nodes: nodes(STEADY), checkReadiness: notReady, stopRequested: requested, stateFile: devStatePath(dir) });
    await vi.waitFor(() => expect(existsSync(devStatePath(dir))).toBe(true), { timeout: 30_000 });
    const answer = await new Promise<string>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port: state().controlPort });
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
      socket.on('close', () => resolve(received));
      socket.write('x'.repeat(4096));
    });
    expect(JSON.parse(answer)).toEqual({ ok: false, code: 'INVALID_REQUEST', message: 'not a restart request' });
    stop();
    await running;
  });

  it('resumes a paused node before stopping it, so it stops cleanly rather than by SIGKILL', async () => {
    const { requested, stop } = stopper();
    const running = runDev({ ...settings, graceMs: 60_000, nodes: nodes(STEADY), checkReadiness: notReady, stopRequested: requested, stateFile: devStatePath(dir) });
    await vi.waitFor(() => expect(log(1)).toBe('up\n'), { timeout: 30_000 });
    const pid = state().nodes[0]!.pid!;
    process.kill(pid, 'SIGSTOP');
    stop();
    await running;
    expect(log(1)).toBe('up\nbye\n');
    expect(stderr).not.toContain('exited unexpectedly');
  });

  it('kills a node that does not stop within the grace period', async () => {
    const { requested, stop } = stopper();
    const running = runDev({ ...settings, graceMs: 300, nodes: nodes(STUBBORN), checkReadiness: notReady, stopRequested: requested });
    await vi.waitFor(() => expect(log(1)).toBe('up\n'), { timeout: 30_000 });
    const stopAsked = Date.now();
    stop();
    await running;
    expect(Date.now() - stopAsked).toBeGreaterThanOrEqual(300);
    expect(log(1)).toBe('up\nignoring SIGTERM\n');
  });
});
