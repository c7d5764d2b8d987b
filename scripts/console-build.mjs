#!/usr/bin/env node
// Builds the web console served by `quill console` into packages/cli/console-ui/: the Preact
// app of packages/cli/ui/src bundled by esbuild (no CDN: everything the page loads is served by
// the console itself), with index.html and app.css copied beside it.
//
// Runs in the root postinstall. Idempotent: files whose content did not change are not rewritten.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'packages', 'cli');
const UI = join(CLI, 'ui');
const OUT = join(CLI, 'console-ui');
const STATIC_FILES = ['index.html', 'app.css'];

// esbuild and preact are the CLI package's devDependencies: resolve them from there.
const esbuild = createRequire(join(CLI, 'package.json'))('esbuild');

const result = await esbuild.build({
  entryPoints: [join(UI, 'src', 'main.tsx')],
  bundle: true,
  write: false,
  format: 'esm',
  target: 'es2022',
  minify: true,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  nodePaths: [join(CLI, 'node_modules')],
  legalComments: 'none',
  logLevel: 'warning',
});

mkdirSync(OUT, { recursive: true });
const outputs = [
  ['app.js', result.outputFiles[0].text],
  ...STATIC_FILES.map((name) => [name, readFileSync(join(UI, name), 'utf8')]),
];
let written = 0;
for (const [name, text] of outputs) {
  const file = join(OUT, name);
  if (existsSync(file) && readFileSync(file, 'utf8') === text) continue;
  writeFileSync(file, text);
  written++;
}
console.log(`console-build: ${outputs.length} files in packages/cli/console-ui (${written} written)`);
