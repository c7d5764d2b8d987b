import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from this file's place in packages/testing/src (or dist). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PACKAGES = path.join(REPO_ROOT, 'packages');
const CLI_SOURCE = path.join(PACKAGES, 'cli', 'src', 'main.ts');
const CLI_COMPILED = path.join(PACKAGES, 'cli', 'dist', 'main.js');
/** Set to 1 to run every `quill` process from sources through tsx even when the compiled output is fresh. */
const FROM_SOURCE_ENV = 'QUILL_TEST_FROM_SOURCE';

let compiledIsFresh: boolean | undefined;

/**
 * Node's arguments that run the `quill` CLI: its compiled output when `tsc -b` (which `pnpm test`
 * runs first) compiled every package since its sources last changed, else the sources through
 * tsx as `pnpm quill` does. Both run the same code; the compiled one starts a node in about half
 * the CPU time (tsx's loader transforms each module as it loads), and starting nodes is most of
 * what a cluster test spends on two cores.
 */
export function cliNodeArguments(): string[] {
  compiledIsFresh ??= process.env[FROM_SOURCE_ENV] !== '1' && compiledOutputIsFresh(PACKAGES);
  return compiledIsFresh ? [CLI_COMPILED] : ['--conditions=source', '--import', 'tsx', CLI_SOURCE];
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
