import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The packages as a service gets them: `pnpm pack` tarballs installed with npm into a fresh
// project outside this repository, then used from plain JavaScript on plain Node (no tsx, no
// TypeScript). It packs the compiled dist/ that `tsc -b` (run before the suite) left behind.

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** What a service installs: the SDK, the record codec, the test cluster and the `quill` command. */
const ENTRY_PACKAGES = ['@quill/client', '@quill/records', '@quill/testing', '@quill/cli'];
const SERVICE_SCRIPT = path.join(REPO_ROOT, 'test', 'support', 'installed-service.mjs');
/** Packing about a dozen packages, then one npm install that may fetch third-party packages from the registry. */
const TEST_TIMEOUT_MS = 600_000;
/** Kafka's murmur2 of "abc" (its UtilsTest): the installed codec computes what the repository's does. */
const MURMUR2_ABC = 479470107;

interface PackageManifest {
  name: string;
  version: string;
  private?: boolean;
  dependencies?: Record<string, string>;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let temp: string | undefined;
afterAll(() => {
  if (temp !== undefined) fs.rmSync(temp, { recursive: true, force: true });
});

/** Every workspace package by name, with its directory. */
function workspacePackages(): Map<string, { dir: string; manifest: PackageManifest }> {
  const packages = new Map<string, { dir: string; manifest: PackageManifest }>();
  for (const name of fs.readdirSync(path.join(REPO_ROOT, 'packages'))) {
    const dir = path.join(REPO_ROOT, 'packages', name);
    const file = path.join(dir, 'package.json');
    if (!fs.existsSync(file)) continue;
    const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as PackageManifest;
    packages.set(manifest.name, { dir, manifest });
  }
  return packages;
}

/** The entry packages and every workspace package they need at run time, sorted. */
function runtimeClosure(entries: readonly string[], packages: ReturnType<typeof workspacePackages>): string[] {
  const needed = new Set<string>();
  const visit = (name: string): void => {
    if (needed.has(name)) return;
    const found = packages.get(name);
    if (found === undefined) throw new Error(`${name} is not a package of this workspace`);
    needed.add(name);
    for (const dependency of Object.keys(found.manifest.dependencies ?? {})) if (packages.has(dependency)) visit(dependency);
  };
  entries.forEach(visit);
  return [...needed].sort();
}

/** The tarball name `pnpm pack` gives a package: @quill/client 0.1.0 → quill-client-0.1.0.tgz. */
function tarballName(name: string, version: string): string {
  return `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`;
}

/**
 * zstd-napi's install script downloads a prebuilt binding from GitHub, else compiles zstd from
 * source: minutes on two cores. Where GitHub is out of reach (as in CI), the test hands it the
 * binding this repository's own install of the same version already has, packed under the name
 * the script looks for in its local-prebuilds directory (npm_config_zstd_napi_local_prebuilds).
 * Returns that environment variable, or none when the repository has no built binding.
 */
async function zstdLocalPrebuild(dir: string): Promise<NodeJS.ProcessEnv> {
  const zstd = fs.realpathSync(path.join(REPO_ROOT, 'packages', 'records', 'node_modules', 'zstd-napi'));
  const binding = path.join('build', 'Release', 'binding.node');
  if (!fs.existsSync(path.join(zstd, binding))) return {};
  const manifest = JSON.parse(fs.readFileSync(path.join(zstd, 'package.json'), 'utf8')) as { version: string; binary: { napi_versions: number[] } };
  const napi = Math.max(...manifest.binary.napi_versions.filter((v) => v <= Number(process.versions.napi)));
  const { header } = process.report.getReport() as { header: { glibcVersionRuntime?: string } };
  const libc = process.platform === 'linux' && header.glibcVersionRuntime === undefined ? 'musl' : '';
  const name = `zstd-napi-v${manifest.version}-napi-v${napi}-${process.platform}${libc}-${process.arch}.tar.gz`;
  fs.mkdirSync(dir, { recursive: true });
  expectSuccess('packing the zstd binding', await run('tar', ['-czf', path.join(dir, name), '-C', zstd, binding], zstd));
  return { npm_config_zstd_napi_local_prebuilds: dir };
}

/** The environment of this test minus what would let the project see the repository's tools (tsx, its node_modules). */
function outsideEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key === 'NODE_PATH' || key === 'NODE_OPTIONS' || (/^npm_/i.test(key) && key.toLowerCase() !== 'npm_config_registry')) continue;
    env[key] = value;
  }
  env['PATH'] = (process.env['PATH'] ?? '')
    .split(path.delimiter)
    .filter((entry) => !entry.includes('node_modules'))
    .join(path.delimiter);
  return env;
}

/** The files of an installed package, its own node_modules left out. */
function shippedFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => !file.split(path.sep).includes('node_modules'));
}

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function expectSuccess(what: string, result: Run): void {
  expect(result.code, `${what} failed:\n${result.stdout}\n${result.stderr}`).toBe(0);
}

describe('the packed packages in a fresh npm project', () => {
  it(
    'install without the TypeScript toolchain, run clusters (in process and as processes), produce and consume from plain JavaScript, and run quill --help',
    async () => {
      temp = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-install-'));
      const tarballs = path.join(temp, 'tarballs');
      const project = path.join(temp, 'service');
      fs.mkdirSync(project);

      const packages = workspacePackages();
      const needed = runtimeClosure(ENTRY_PACKAGES, packages);
      for (const name of needed) {
        const { dir } = packages.get(name)!;
        expect(fs.existsSync(path.join(dir, 'dist')), `${name} has no dist/: run \`npx tsc -b\` first (pnpm test does)`).toBe(true);
      }
      const rootManifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { packageManager: string };
      const filters = needed.flatMap((name) => ['--filter', name]);
      expectSuccess(
        'pnpm pack',
        await run('npx', ['-y', rootManifest.packageManager, '--recursive', ...filters, 'pack', '--pack-destination', tarballs], REPO_ROOT),
      );

      // Every package the entries need is packed and publishable, with its workspace: ranges made real.
      const specs: Record<string, string> = {};
      for (const name of needed) {
        const { manifest } = packages.get(name)!;
        const tarball = path.join(tarballs, tarballName(name, manifest.version));
        expect(fs.existsSync(tarball), `${name} was not packed to ${tarball}`).toBe(true);
        expect(manifest.private, `${name} is private, so a service could not install it`).not.toBe(true);
        specs[name] = `file:${tarball}`;
      }

      // A service's package.json: its direct dependencies, and every @quill package from the tarballs, not a registry.
      const direct = Object.fromEntries(ENTRY_PACKAGES.map((name) => [name, specs[name]!]));
      fs.writeFileSync(
        path.join(project, 'package.json'),
        JSON.stringify({ name: 'service', version: '1.0.0', private: true, type: 'module', dependencies: direct, overrides: specs }, null, 2),
      );
      const env = outsideEnvironment();
      const installEnv = { ...env, ...(await zstdLocalPrebuild(path.join(temp, 'prebuilds'))) };
      expectSuccess('npm install', await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], project, installEnv));

      const modules = path.join(project, 'node_modules');
      for (const tool of ['tsx', 'typescript']) expect(fs.existsSync(path.join(modules, tool)), `${tool} got installed`).toBe(false);
      for (const name of needed) {
        const installed = JSON.parse(fs.readFileSync(path.join(modules, name, 'package.json'), 'utf8')) as PackageManifest;
        for (const [dependency, range] of Object.entries(installed.dependencies ?? {})) expect(range, `${name} → ${dependency}`).not.toMatch(/^workspace:/);
        expect(shippedFiles(path.join(modules, name)).filter((file) => /\.test\.|test-support|(?<!\.d)\.ts$/.test(file)), `${name} ships tests or sources`).toEqual([]);
      }

      fs.copyFileSync(SERVICE_SCRIPT, path.join(project, 'service.mjs'));
      const service = await run(process.execPath, ['service.mjs'], project, env);
      expectSuccess('the service script', service);
      const report = service.stdout.split('\n').find((line) => line.startsWith('{"inProcess"'));
      expect(report, service.stdout).toBeDefined();
      expect(JSON.parse(report!)).toEqual({ inProcess: ['one', 'two', 'three'], processes: ['one', 'two', 'three'], murmur2: MURMUR2_ABC });

      const help = await run(path.join(modules, '.bin', 'quill'), ['--help'], project, env);
      expectSuccess('quill --help', help);
      for (const command of ['topics', 'produce', 'consume', 'dev']) expect(help.stdout).toContain(command);
    },
    TEST_TIMEOUT_MS,
  );
});
