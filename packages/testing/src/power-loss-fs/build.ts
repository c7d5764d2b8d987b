import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CACHE_ROOT } from '../cli-entry.js';

/** The C source, from this file's place in packages/testing/src (or dist)/power-loss-fs. */
const SOURCE = fileURLToPath(new URL('../../native/unsynced-fs.c', import.meta.url));
/** Compiled binaries, one per source hash, so an edited source is rebuilt and an unchanged one never. */
const CACHE_DIR = path.join(CACHE_ROOT, 'quill-unsynced-fs');
/** gcc on this small C file takes about a second; a loaded 2-core machine may take much longer. */
const BUILD_TIMEOUT_MS = 120_000;
const PROBE_TIMEOUT_MS = 10_000;

let built: string | undefined;

/** The path of the unsynced-fs binary, compiled from packages/testing/native/unsynced-fs.c on first use. */
export function unsyncedFsBinary(): string {
  if (built !== undefined) return built;
  const source = fs.readFileSync(SOURCE);
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const binary = path.join(CACHE_DIR, hash, 'unsynced-fs');
  if (!fs.existsSync(binary)) {
    fs.mkdirSync(path.dirname(binary), { recursive: true });
    const flags = execFileSync('pkg-config', ['fuse3', '--cflags', '--libs'], { encoding: 'utf8', timeout: PROBE_TIMEOUT_MS }).trim().split(/\s+/);
    // Built aside and renamed into place, so concurrent test processes never run a half-written binary.
    const temporary = `${binary}.${process.pid}.tmp`;
    try {
      execFileSync('gcc', ['-O2', '-Wall', SOURCE, ...flags, '-o', temporary], { stdio: ['ignore', 'pipe', 'pipe'], timeout: BUILD_TIMEOUT_MS });
      fs.renameSync(temporary, binary);
    } catch (error) {
      fs.rmSync(temporary, { force: true });
      const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
      throw new Error(`building unsynced-fs failed: ${stderr || (error as Error).message}`);
    }
  }
  built = binary;
  return binary;
}

/**
 * Why the power-loss filesystem cannot run here, or undefined when it can: Linux, /dev/fuse,
 * fusermount3, and libfuse3's headers with gcc (Debian: `apt-get install fuse3 libfuse3-dev pkg-config`).
 */
export function unsyncedFsUnavailableReason(): string | undefined {
  if (process.platform !== 'linux') return `the power-loss filesystem needs Linux FUSE (this is ${process.platform})`;
  if (!fs.existsSync('/dev/fuse')) return 'the power-loss filesystem needs /dev/fuse';
  for (const [command, args] of [
    ['fusermount3', ['-V']],
    ['pkg-config', ['--exists', 'fuse3']],
  ] as const) {
    try {
      execFileSync(command, args, { stdio: 'ignore', timeout: PROBE_TIMEOUT_MS });
    } catch {
      return `the power-loss filesystem needs \`${command} ${args.join(' ')}\` to work (apt-get install fuse3 libfuse3-dev pkg-config)`;
    }
  }
  try {
    unsyncedFsBinary();
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}
