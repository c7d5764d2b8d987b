import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { QuillError } from '@quill/proto';
import { IN_REPOSITORY, REPO_ROOT, cliNodeArguments, compiledOutputIsFresh, installedCliArguments, type Resolve } from './cli-entry.js';

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

/** A project under `root` with @quill/cli installed in its node_modules, as npm lays out its tarball. */
function projectWithCli(name: string): { packageJson: string; main: string } {
  const project = path.join(root!, name);
  const cli = path.join(project, 'node_modules', '@quill', 'cli');
  fs.mkdirSync(path.join(cli, 'dist'), { recursive: true });
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name, type: 'module' }));
  fs.writeFileSync(
    path.join(cli, 'package.json'),
    JSON.stringify({ name: '@quill/cli', type: 'module', exports: { '.': { types: './dist/main.d.ts', default: './dist/main.js' } } }),
  );
  fs.writeFileSync(path.join(cli, 'dist', 'main.js'), '');
  return { packageJson: path.join(project, 'package.json'), main: path.join(cli, 'dist', 'main.js') };
}

/** A resolver that finds `specifier` only from the bases in `found` (by base), like Node's MODULE_NOT_FOUND otherwise. */
function resolverOf(found: Record<string, string>): Resolve {
  return (specifier, base) => {
    const hit = found[base];
    if (hit !== undefined) return hit;
    throw Object.assign(new Error(`Cannot find module '${specifier}'`), { code: 'MODULE_NOT_FOUND' });
  };
}

describe('installedCliArguments', () => {
  it("runs an installed @quill/cli's compiled entry, never its sources", () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-entry-'));
    const service = projectWithCli('service');
    const other = projectWithCli('other');
    expect(installedCliArguments([service.packageJson, other.packageJson])).toEqual([service.main]);
    expect(installedCliArguments([path.join(path.dirname(other.packageJson), 'test', 'cluster.test.js')])).toEqual([other.main]);
  });

  it('takes the first place that resolves it', () => {
    const resolve = resolverOf({ '/project/package.json': '/project/node_modules/@quill/cli/dist/main.js' });
    expect(installedCliArguments(['/elsewhere/package.json', '/project/package.json'], resolve)).toEqual(['/project/node_modules/@quill/cli/dist/main.js']);
  });

  it('fails with what to install when no place resolves it', () => {
    let thrown: unknown;
    try {
      installedCliArguments(['/a/package.json', '/b/package.json'], resolverOf({}));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(QuillError);
    expect((thrown as QuillError).code).toBe('INVALID_CONFIG');
    expect((thrown as Error).message).toContain('npm install --save-dev @quill/cli');
  });

  it('passes on errors other than a missing package', () => {
    const broken: Resolve = () => {
      throw Object.assign(new Error('bad exports'), { code: 'ERR_INVALID_PACKAGE_CONFIG' });
    };
    expect(() => installedCliArguments(['/a/package.json'], broken)).toThrow('bad exports');
  });

  it('is not what a checkout of the repository uses', () => {
    expect(IN_REPOSITORY).toBe(true);
  });
});
