import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, cliNodeArguments, compiledOutputIsFresh } from './cli-entry.js';

let root: string | undefined;
afterEach(() => {
  if (root !== undefined) fs.rmSync(root, { recursive: true, force: true });
  root = undefined;
});

/** A package `name` under `root` with one source file, built (buildinfo and .js) at `builtAt`. */
function builtPackage(name: string, builtAt: Date): { source: string; compiled: string; buildInfo: string } {
  const source = path.join(root!, name, 'src', 'sub', 'thing.ts');
  const compiled = path.join(root!, name, 'dist', 'sub', 'thing.js');
  const buildInfo = path.join(root!, name, 'tsconfig.tsbuildinfo');
  for (const file of [source, compiled, buildInfo]) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '');
  }
  fs.utimesSync(source, new Date(builtAt.getTime() - 1_000), new Date(builtAt.getTime() - 1_000));
  for (const file of [compiled, buildInfo]) fs.utimesSync(file, builtAt, builtAt);
  return { source, compiled, buildInfo };
}

describe('compiledOutputIsFresh', () => {
  it('holds when every package was built after its sources last changed, and not after an edit or without the .js', () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-entry-'));
    const builtAt = new Date(Date.now() - 60_000);
    builtPackage('a', builtAt);
    const b = builtPackage('b', builtAt);
    fs.mkdirSync(path.join(root, 'no-sources'));
    expect(compiledOutputIsFresh(root)).toBe(true);

    fs.utimesSync(b.source, new Date(), new Date());
    expect(compiledOutputIsFresh(root)).toBe(false);
    fs.utimesSync(b.buildInfo, new Date(), new Date());
    expect(compiledOutputIsFresh(root)).toBe(true);

    fs.rmSync(b.compiled);
    expect(compiledOutputIsFresh(root)).toBe(false);
  });

  it('does not hold for a package that was never built', () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-entry-'));
    const { buildInfo } = builtPackage('a', new Date());
    fs.rmSync(buildInfo);
    expect(compiledOutputIsFresh(root)).toBe(false);
  });
});

describe('cliNodeArguments', () => {
  it('runs the quill CLI, compiled or from sources', () => {
    const run = spawnSync(process.execPath, [...cliNodeArguments(), '--help'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('quill');
  });
});
