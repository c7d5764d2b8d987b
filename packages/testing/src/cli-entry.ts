import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { QuillError } from '@quill/proto';

/**
 * The repository root, from this file's place in packages/testing/src (or dist). In an installed
 * package there is no repository: this is then the node_modules directory holding @quill/testing.
 */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PACKAGES = path.join(REPO_ROOT, 'packages');
const CLI_SOURCE = path.join(PACKAGES, 'cli', 'src', 'main.ts');
const CLI_COMPILED = path.join(PACKAGES, 'cli', 'dist', 'main.js');
/** A checkout of the repository has the CLI's sources beside this package; an installed package has not. */
export const IN_REPOSITORY = fs.existsSync(CLI_SOURCE);
/** Where this package caches what it builds (the unsynced-fs binary): a node_modules/.cache directory. */
export const CACHE_ROOT = IN_REPOSITORY ? path.join(REPO_ROOT, 'node_modules', '.cache') : path.join(REPO_ROOT, '.cache');
/** Set to 1 to run every `quill` process from sources through tsx even when the compiled output is fresh. */
const FROM_SOURCE_ENV = 'QUILL_TEST_FROM_SOURCE';
/**
 * Installed, the CLI is a package of its own: @quill/cli depends on @quill/testing, so this
 * package finds it at run time instead of depending on it.
 */
const CLI_PACKAGE = '@quill/cli';

let resolved: string[] | undefined;

/**
 * Node's arguments that run the `quill` CLI. In the repository: its compiled output when `tsc -b`
 * (which `pnpm test` runs first) compiled every package since its sources last changed, else the
 * sources through tsx as `pnpm quill` does. Both run the same code; the compiled one starts a node
 * in about half the CPU time (tsx's loader transforms each module as it loads), and starting nodes
 * is most of what a cluster test spends on two cores. Installed: the compiled @quill/cli found
 * beside @quill/testing or in the project of the working directory.
 */
export function cliNodeArguments(): string[] {
  resolved ??= IN_REPOSITORY
    ? repositoryCliArguments()
    : installedCliArguments([import.meta.url, path.join(process.cwd(), 'package.json')]);
  return resolved;
}

function repositoryCliArguments(): string[] {
  const compiledIsFresh = process.env[FROM_SOURCE_ENV] !== '1' && compiledOutputIsFresh(PACKAGES);
  return compiledIsFresh ? [CLI_COMPILED] : ['--conditions=source', '--import', 'tsx', CLI_SOURCE];
}

/** Resolves `specifier` as a require from the file `base` (a path or file URL) does. */
export type Resolve = (specifier: string, base: string) => string;

const nodeResolve: Resolve = (specifier, base) => createRequire(base).resolve(specifier);

/**
 * Node's arguments that run the installed @quill/cli (its compiled entry: the package's default
 * export condition), resolved from each of `from` in turn.
 */
export function installedCliArguments(from: readonly string[], resolve: Resolve = nodeResolve): string[] {
  for (const base of from) {
    try {
      return [resolve(CLI_PACKAGE, base)];
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    }
  }
  throw new QuillError(
    'INVALID_CONFIG',
    `Node processes run the quill CLI, and ${CLI_PACKAGE} is not installed here: add it to the project ` +
      `(npm install --save-dev ${CLI_PACKAGE}), or start the cluster in this process (startCluster() without processes).`,
  );
}

/**
 * True when each package under `packages` had its last `tsc -b` (its tsconfig.tsbuildinfo) after
 * every change to its sources, which emitted each one's .js. (tsc -b does not re-emit a source
 * touched without a change, so the .js files' own times would say stale.)
 */
export function compiledOutputIsFresh(packages: string): boolean {
  for (const name of fs.readdirSync(packages)) {
    const src = path.join(packages, name, 'src');
    if (!fs.existsSync(src)) continue;
    const built = fs.statSync(path.join(packages, name, 'tsconfig.tsbuildinfo'), { throwIfNoEntry: false });
    if (built === undefined) return false;
    for (const file of sourceFiles(src)) {
      if (fs.statSync(file).mtimeMs > built.mtimeMs) return false;
      if (!fs.existsSync(path.join(packages, name, 'dist', path.relative(src, file).replace(/\.ts$/, '.js')))) return false;
    }
  }
  return true;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}
