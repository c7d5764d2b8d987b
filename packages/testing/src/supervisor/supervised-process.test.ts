import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SupervisedProcess, describeExit, type ProcessExit, type SupervisedProcessOptions } from './supervised-process.js';

// Real child processes: small Node.js scripts.
// Each sets its SIGTERM handler before it says "up".
const STEADY = "process.on('SIGTERM', () => { process.stdout.write('bye\\n'); process.exit(0); }); process.stdout.write('up\\n'); setInterval(() => {}, 1000);";
const STUBBORN = "process.on('SIGTERM', () => process.stdout.write('ignoring SIGTERM\\n')); process.stdout.write('up\\n'); setInterval(() => {}, 1000);";
const CRASHING = "process.stdout.write('starting\\n'); process.stderr.write('boom: disk full\\n'); process.exitCode = 3;";
/** Starts a grandchild that ignores SIGTERM, prints its pid, and exits on SIGTERM itself, leaving it behind. */
const FORKING =
  "const { spawn } = require('node:child_process'); const g = spawn(process.execPath, ['-e', \"process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)\"], { stdio: 'ignore' });" +
  " process.on('SIGTERM', () => process.exit(0)); process.stdout.write('grandchild ' + g.pid + '\\n'); setInterval(() => {}, 1000);";

function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('SupervisedProcess', () => {
  let dir: string;
  const started: SupervisedProcess[] = [];
  const supervise = (script: string, options: Partial<SupervisedProcessOptions> = {}): SupervisedProcess => {
    const child = new SupervisedProcess({ command: process.execPath, args: ['-e', script], cwd: dir, ...options });
    started.push(child);
    return child;
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-supervisor-test-'));
  });

  afterEach(async () => {
    await Promise.all(started.splice(0).map((child) => child.kill()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stops a process with SIGTERM and reports its exit, not as unexpected', async () => {
    const unexpected = vi.fn();
    const child = supervise(STEADY, { onUnexpectedExit: unexpected });
    child.start();
    await vi.waitFor(() => expect(child.output()).toBe('up\n'), { timeout: 10_000 });
    expect(child.running).toBe(true);
    expect(await child.stop()).toEqual({ code: 0, signal: null });
    expect(child.output()).toBe('up\nbye\n');
    expect(child.running).toBe(false);
    expect(child.pid).toBeUndefined();
    expect(child.lifetime.aborted).toBe(true);
    expect(unexpected).not.toHaveBeenCalled();
  });

  it('sends SIGKILL when the grace period runs out', async () => {
    const expired = vi.fn();
    const child = supervise(STUBBORN);
    child.start();
    await vi.waitFor(() => expect(child.output()).toBe('up\n'), { timeout: 10_000 });
    const exit = await child.stop({ graceMs: 200, onGraceExpired: expired });
    expect(exit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(expired).toHaveBeenCalledOnce();
    expect(child.output()).toBe('up\nignoring SIGTERM\n');
  });

  it('reports an exit nobody asked for, with the last lines of its output', async () => {
    const exits: ProcessExit[] = [];
    const child = supervise(CRASHING, { onUnexpectedExit: (exit) => exits.push(exit) });
    child.start();
    await vi.waitFor(() => expect(exits).toEqual([{ code: 3, signal: null }]), { timeout: 10_000 });
    expect(describeExit(exits[0]!)).toBe('exit code 3');
    expect(child.lastLines(1)).toEqual(['boom: disk full']);
    expect(child.lastLines(5)).toEqual(['starting', 'boom: disk full']);
  });

  it('kills the whole process group, so nothing the process started outlives it', async () => {
    const child = supervise(FORKING);
    child.start();
    await vi.waitFor(() => expect(child.output()).toMatch(/^grandchild \d+\n$/), { timeout: 10_000 });
    const grandchild = Number(/grandchild (\d+)/.exec(child.output())![1]);
    expect(alive(grandchild)).toBe(true);
    await child.stop({ graceMs: 5_000 });
    await vi.waitFor(() => expect(alive(grandchild)).toBe(false), { timeout: 10_000 });
  });

  it('resumes a paused process before stopping it, so it stops cleanly', async () => {
    const child = supervise(STEADY);
    child.start();
    await vi.waitFor(() => expect(child.output()).toBe('up\n'), { timeout: 10_000 });
    child.pause();
    expect(await child.stop({ graceMs: 30_000 })).toEqual({ code: 0, signal: null });
  });

  it('appends to its log file and keeps only the current run as its output, bounded', async () => {
    const logFile = path.join(dir, 'node.log');
    fs.writeFileSync(logFile, 'an earlier line\n');
    const child = supervise("process.stdout.write('x'.repeat(100) + '\\nlast\\n')", { logFile, tailBytes: 20 });
    child.start();
    expect(await child.exited()).toEqual({ code: 0, signal: null });
    expect(child.output()).toBe(`${'x'.repeat(14)}\nlast\n`);
    child.start();
    await child.exited();
    expect(fs.readFileSync(logFile, 'utf8')).toBe(`an earlier line\n${'x'.repeat(100)}\nlast\n${'x'.repeat(100)}\nlast\n`);
  });

  it('bounds the piped output to its tail', async () => {
    const child = supervise("process.stdout.write('a'.repeat(50)); process.stderr.write('b'.repeat(50));", { tailBytes: 60 });
    child.start();
    await child.exited();
    expect(child.output()).toHaveLength(60);
    expect(child.output()).toMatch(/b{50}$/);
  });

  it('reports a program that cannot start as an exit, with the reason in its output', async () => {
    const exits: ProcessExit[] = [];
    const child = new SupervisedProcess({ command: path.join(dir, 'missing'), args: [], cwd: dir, onUnexpectedExit: (exit) => exits.push(exit) });
    child.start();
    expect(await child.exited()).toEqual({ code: null, signal: null });
    expect(exits).toHaveLength(1);
    expect(child.output()).toMatch(/^cannot start: spawn .*missing ENOENT\n$/);
    expect(child.running).toBe(false);
  });

  it('refuses a second start while running, and starts again once it exited', async () => {
    const child = supervise(STEADY);
    child.start();
    expect(() => child.start()).toThrow('already running');
    const first = child.pid;
    await child.kill();
    child.start();
    expect(child.pid).not.toBe(first);
    await vi.waitFor(() => expect(child.output()).toBe('up\n'), { timeout: 10_000 });
  });
});
