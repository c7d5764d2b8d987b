import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { devNodeArgs, runDev, type NodeSpec, type Readiness } from './dev.js';

describe('quill dev node arguments', () => {
  it('starts node I in combined mode on P+I-1, its controller on P+10+I-1, all three as voters', () => {
    expect(devNodeArgs(2, 9092, '/data/dev')).toEqual([
      'node', 'start',
      '--roles', 'broker,controller',
      '--node-id', '2',
      '--listen', '127.0.0.1:9093',
      '--controller-listen', '127.0.0.1:9103',
      '--voters', '1@127.0.0.1:9102,2@127.0.0.1:9103,3@127.0.0.1:9104',
      '--data-dir', path.join('/data/dev', 'node-2'),
      '--cluster-id', 'quill-dev',
    ]);
  });
});

// Supervision with stand-in nodes: small Node.js scripts instead of `quill node start`.
const STEADY = "process.stdout.write('up\\n'); process.on('SIGTERM', () => { process.stdout.write('bye\\n'); process.exit(0); }); setInterval(() => {}, 1000);";
const CRASHING = "process.stdout.write('starting\\n'); process.stderr.write('boom: disk full\\n'); setTimeout(() => process.exit(3), 100);";
const STUBBORN = "process.stdout.write('up\\n'); process.on('SIGTERM', () => process.stdout.write('ignoring SIGTERM\\n')); setInterval(() => {}, 1000);";

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
    scripts.map((script, i) => ({ name: `node-${i + 1}`, args: ['-e', script], logFile: path.join(dir, `node-${i + 1}.log`) }));
  const log = (n: number): string => readFileSync(path.join(dir, `node-${n}.log`), 'utf8');
  const settings = { cwd: process.cwd(), bootstrap: '127.0.0.1:9092', pollMs: 10, graceMs: 5_000 };

  it('prints "ready <bootstrap>" once every broker is up, and stops the nodes with SIGTERM when asked', async () => {
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
    await runDev({ ...settings, nodes: nodes(STEADY, STEADY, STEADY), checkReadiness, stopRequested });
    expect(stdout).toBe('ready 127.0.0.1:9092\n');
    for (const n of [1, 2, 3]) expect(log(n)).toBe('up\nbye\n');
    expect(stderr).toContain('Stopped.');
  });

  it('reports a node that exits by itself with its last log lines, stops the others and fails', async () => {
    const never = new Promise<void>(() => undefined);
    const notReady = async (): Promise<Readiness> => ({ answering: [], registered: [] });
    await expect(
      runDev({ ...settings, nodes: nodes(STEADY, CRASHING, STEADY), checkReadiness: notReady, stopRequested: never }),
    ).rejects.toThrow('node-2 exited unexpectedly (exit code 3); the other nodes were stopped.');
    expect(stderr).toContain(`node-2 exited unexpectedly (exit code 3). Last lines of ${path.join(dir, 'node-2.log')}:\n  starting\n  boom: disk full\n`);
    expect(stdout).toBe('');
    expect(log(1)).toBe('up\nbye\n');
    expect(log(3)).toBe('up\nbye\n');
  });

  it('kills a node that does not stop within the grace period', async () => {
    const started = Date.now();
    await runDev({
      ...settings,
      graceMs: 300,
      nodes: nodes(STUBBORN),
      checkReadiness: async () => ({ answering: [], registered: [] }),
      stopRequested: new Promise((resolve) => setTimeout(resolve, 500)),
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
    expect(log(1)).toBe('up\nignoring SIGTERM\n');
  });
});
