import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The layout's rules, read off the sources: the broker does not depend on the controller, no
// package reaches into another's files (only its public API, the package name), and no two
// source files import each other, directly or around a longer loop.

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const PACKAGES = path.join(REPO_ROOT, 'packages');
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

function packageDirs(): string[] {
  return fs
    .readdirSync(PACKAGES)
    .map((name) => path.join(PACKAGES, name))
    .filter((dir) => fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'src')));
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'gen' ? [] : sourceFiles(full);
    return /\.ts$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((match) => match[1] ?? match[2]!);
}

/** The source file a relative import names (`./x.js` is `./x.ts` in the sources), if it is one. */
function resolveRelative(from: string, specifier: string): string | undefined {
  const target = path.resolve(path.dirname(from), specifier);
  for (const candidate of [target.replace(/\.js$/, '.ts'), `${target}.ts`, path.join(target, 'index.ts')]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/** Every loop of imports among `files`, each as the chain of files around it. */
function importCycles(files: readonly string[]): string[][] {
  const edges = new Map(files.map((file) => [file, importsOf(file).filter((s) => s.startsWith('.')).flatMap((s) => resolveRelative(file, s) ?? [])]));
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of edges.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (state.get(next) === undefined) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (state.get(file) === undefined) visit(file);
  return cycles;
}

describe('the package layout', () => {
  it('the broker depends on the metadata package, never on the controller', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(PACKAGES, 'broker', 'package.json'), 'utf8')) as Manifest;
    const all = { ...manifest.dependencies, ...manifest.devDependencies, ...manifest.peerDependencies, ...manifest.optionalDependencies };
    expect(Object.keys(all)).not.toContain('@quill/controller');
    expect(Object.keys(all)).toContain('@quill/metadata');
    const imports = sourceFiles(path.join(PACKAGES, 'broker', 'src')).flatMap(importsOf);
    expect(imports.filter((s) => s.startsWith('@quill/controller'))).toEqual([]);
  });

  it('no package imports another package by path or by a subpath of its name: only its public API', () => {
    const offences: string[] = [];
    for (const dir of packageDirs()) {
      for (const file of sourceFiles(path.join(dir, 'src'))) {
        for (const specifier of importsOf(file)) {
          const where = `${path.relative(REPO_ROOT, file)} imports '${specifier}'`;
          if (/^@quill\/[^/]+\/./.test(specifier)) offences.push(where);
          else if (specifier.startsWith('.') && !path.resolve(path.dirname(file), specifier).startsWith(dir + path.sep)) offences.push(where);
        }
      }
    }
    expect(offences).toEqual([]);
  });

  it('no import cycle between source files in any package', () => {
    const cycles = packageDirs().flatMap((dir) => importCycles(sourceFiles(path.join(dir, 'src'))));
    expect(cycles.map((cycle) => cycle.map((file) => path.relative(REPO_ROOT, file)).join(' -> '))).toEqual([]);
  });

  it('finds a cycle when there is one (the check itself)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-cycle-'));
    try {
      fs.writeFileSync(path.join(dir, 'a.ts'), "import { b } from './b.js';\nexport const a = () => b;\n");
      fs.writeFileSync(path.join(dir, 'b.ts'), "import type { c } from './c.js';\nexport const b = 1 as unknown as typeof c;\n");
      fs.writeFileSync(path.join(dir, 'c.ts'), "export { a as c } from './a.js';\n");
      expect(importCycles(sourceFiles(dir)).map((cycle) => cycle.map((f) => path.basename(f)))).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
