#!/usr/bin/env node
// Runs `quill chaos` once per seed, one run at a time, and prints a Markdown table of the reports
// (the long runs behind docs/CHAOS.md's tables). Every option after `--` goes to each run.
//   node scripts/chaos-seeds.mjs --seeds 1-10 --out /tmp/chaos-table -- --duration 60 --faults all
// Exits non-zero if any run was not clean.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const argv = process.argv.slice(2);
const split = argv.indexOf('--');
const own = split < 0 ? argv : argv.slice(0, split);
const passed = split < 0 ? [] : argv.slice(split + 1);
const option = (name, fallback) => {
  const at = own.indexOf(`--${name}`);
  return at < 0 ? fallback : own[at + 1];
};

/** "1-5,9" → [1, 2, 3, 4, 5, 9] */
function parseSeeds(text) {
  return text.split(',').flatMap((part) => {
    const [from, to] = part.split('-').map(Number);
    if (!Number.isInteger(from) || (to !== undefined && !Number.isInteger(to))) throw new Error(`bad --seeds '${text}'`);
    return Array.from({ length: (to ?? from) - from + 1 }, (_, i) => from + i);
  });
}

const seeds = parseSeeds(option('seeds', '1-10'));
const out = path.resolve(option('out', path.join(root, 'data', 'chaos-seeds')));
fs.mkdirSync(out, { recursive: true });

const rows = [];
let clean = true;
for (const seed of seeds) {
  const dir = path.join(out, `seed-${seed}`);
  const started = Date.now();
  const run = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', 'packages/cli/src/main.ts', 'chaos', ...passed, '--seed', String(seed), '--json', '--out', dir], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const reportFile = path.join(dir, 'report.json');
  if (!fs.existsSync(reportFile)) {
    clean = false;
    rows.push(`| ${seed} | run failed (exit ${run.status}) | | | | | | | |`);
    continue;
  }
  const r = JSON.parse(fs.readFileSync(reportFile, 'utf8'));
  const kinds = r.faults.map((f) => (f.variant ? `${f.kind}:${f.variant}` : f.kind)).join(', ');
  clean &&= r.ok === true && run.status === 0;
  rows.push(
    `| ${seed} | ${kinds} | ${r.acknowledged} | ${r.lost} | ${r.duplicates} | ${r.inconsistentOffsets} | ${r.orderViolations} | ${(r.longestUnavailableMs / 1000).toFixed(1)} s | ${r.ok ? 'ok' : 'NOT OK'} (${Math.round((Date.now() - started) / 1000)} s) |`,
  );
  process.stderr.write(`seed ${seed}: ${r.ok ? 'ok' : 'NOT OK'}, ${r.acknowledged} acknowledged, ${r.lost} lost\n`);
}

console.log(`\`quill chaos ${passed.join(' ')}\`, seeds ${seeds.join(', ')}:\n`);
console.log('| seed | faults injected | acknowledged | lost | duplicates | inconsistent offsets | order violations | longest unavailable | result |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
process.exit(clean ? 0 : 1);
