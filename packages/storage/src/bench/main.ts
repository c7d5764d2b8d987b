/**
 * `pnpm --filter @quill/storage bench`: partition-log append throughput under each flush policy,
 * next to the raw sequential write bandwidth of the same disk (`dd ... conv=fdatasync`).
 *
 *   pnpm --filter @quill/storage bench [--mb N] [--every-batch-mb N] [--max-seconds S] [--in-flight N]
 *                                      [--policies every-batch,group-commit,os] [--repeat N] [--dd-mb N]
 *                                      [--no-dd] [--no-raw] [--dir PATH] [--json]
 *
 * Batches are 100 records of 1 KiB random values (no key, no compression), encoded once up front.
 * Besides dd, a "raw write" baseline writes the same batch buffers with fs.writeSync and one
 * fdatasync, in this process: the log's overhead is the gap between it and flush=os.
 * Each repetition runs dd, the raw write and every policy once, in an order rotated per
 * repetition; the table shows medians (and the range). MB are 10^6 bytes, as dd prints them. Progress goes to stderr, the
 * results to stdout.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { FlushPolicy } from '../config.js';
import { makeBatches, measureAppend, measureRawWrite, type AppendRun, type BatchShape, type RawWriteRun } from './append-bench.js';
import { runDd, type DdResult } from './dd.js';

const SHAPE: BatchShape = { recordsPerBatch: 100, valueBytes: 1024 };
const DISTINCT_BATCHES = 16;
const ALL_POLICIES: readonly FlushPolicy[] = ['every-batch', 'group-commit', 'os'];
const TARGET_PERCENT_OF_DD = 70;

interface CliOptions {
  mb: number;
  everyBatchMb: number;
  maxSeconds: number;
  inFlight: number;
  policies: FlushPolicy[];
  repeat: number;
  ddMb: number;
  dd: boolean;
  raw: boolean;
  dir: string;
  json: boolean;
}

const USAGE = `usage: bench [--mb N] [--every-batch-mb N] [--max-seconds S] [--in-flight N]
             [--policies every-batch,group-commit,os] [--repeat N] [--dd-mb N] [--no-dd] [--dir PATH] [--json]
  --mb N              MiB appended per measurement for os and group-commit (default 1024)
  --every-batch-mb N  MiB for every-batch (default: the smaller of --mb and 256)
  --max-seconds S     stop appending a measurement after S seconds (default 60)
  --in-flight N       appends awaiting durability at once, group-commit and every-batch (default 64)
  --policies LIST     flush policies to measure, comma-separated (default all three)
  --repeat N          repetitions of dd and each policy, order rotated each time; medians reported (default 3)
  --dd-mb N           MiB written by each dd run (default: --mb)
  --no-dd             skip dd
  --no-raw            skip the raw-write baseline (fs.writeSync of the same batches + one fdatasync)
  --dir PATH          where the temporary directory goes (default the OS temp dir)
  --json              print one JSON document instead of the table
`;

function parseCli(argv: string[]): CliOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      mb: { type: 'string' },
      'every-batch-mb': { type: 'string' },
      'max-seconds': { type: 'string' },
      'in-flight': { type: 'string' },
      policies: { type: 'string' },
      repeat: { type: 'string' },
      'dd-mb': { type: 'string' },
      'no-dd': { type: 'boolean', default: false },
      'no-raw': { type: 'boolean', default: false },
      dir: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const mb = values.mb === undefined ? 1024 : integer('--mb', values.mb, 1);
  const policies = values.policies === undefined ? [...ALL_POLICIES] : values.policies.split(',').map((p) => p.trim());
  for (const policy of policies) {
    if (!ALL_POLICIES.includes(policy as FlushPolicy)) throw new Error(`unknown flush policy ${policy}; use ${ALL_POLICIES.join(', ')}`);
  }
  return {
    mb,
    everyBatchMb: values['every-batch-mb'] === undefined ? Math.min(mb, 256) : integer('--every-batch-mb', values['every-batch-mb'], 1),
    maxSeconds: values['max-seconds'] === undefined ? 60 : integer('--max-seconds', values['max-seconds'], 1),
    inFlight: values['in-flight'] === undefined ? 64 : integer('--in-flight', values['in-flight'], 1),
    policies: policies as FlushPolicy[],
    repeat: values.repeat === undefined ? 3 : integer('--repeat', values.repeat, 1),
    ddMb: values['dd-mb'] === undefined ? mb : integer('--dd-mb', values['dd-mb'], 1),
    dd: !values['no-dd'],
    raw: !values['no-raw'],
    dir: values.dir ?? os.tmpdir(),
    json: values.json,
  };
}

function integer(flag: string, text: string, min: number): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`${flag} must be an integer >= ${min}, got ${text}`);
  return value;
}

function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

const fixed = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

interface PolicySummary {
  policy: FlushPolicy;
  /** Medians over the repetitions. */
  mbPerSec: number;
  batchesPerSec: number;
  minMbPerSec: number;
  maxMbPerSec: number;
  percentOfDd: number | undefined;
  runs: AppendRun[];
}

interface Report {
  date: string;
  node: string;
  cpus: number;
  loadAverageAtStart: number[];
  loadAverageAtEnd: number[];
  dir: string;
  batch: { records: number; valueBytes: number; bytes: number };
  inFlight: number;
  repeat: number;
  dd: { runs: DdResult[]; mbPerSec: number; minMbPerSec: number; maxMbPerSec: number } | undefined;
  rawWrite: { runs: RawWriteRun[]; mbPerSec: number; batchesPerSec: number; minMbPerSec: number; maxMbPerSec: number } | undefined;
  results: PolicySummary[];
  osPercentOfDd: number | undefined;
  targetPercentOfDd: number;
}

type Step = { kind: 'dd' } | { kind: 'raw' } | { kind: 'policy'; policy: FlushPolicy };

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  // `pnpm bench -- --mb 64` passes the "--" through.
  const options = parseCli(args[0] === '--' ? args.slice(1) : args);
  const workDir = fs.mkdtempSync(path.join(options.dir, 'quill-storage-bench-'));
  const cleanUp = (): void => fs.rmSync(workDir, { recursive: true, force: true });
  const onSignal = (signal: NodeJS.Signals): void => {
    cleanUp();
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const loadAverageAtStart = os.loadavg();
  try {
    const batches = makeBatches(SHAPE, DISTINCT_BATCHES);
    const batchBytes = batches[0]!.length;
    progress(`storage bench in ${workDir}: batches of ${SHAPE.recordsPerBatch} x ${SHAPE.valueBytes} B values (${batchBytes} B each)`);

    const steps: Step[] = [
      ...(options.dd ? [{ kind: 'dd' } as const] : []),
      ...(options.raw ? [{ kind: 'raw' } as const] : []),
      ...options.policies.map((policy) => ({ kind: 'policy', policy }) as const),
    ];
    const ddRuns: DdResult[] = [];
    const rawRuns: RawWriteRun[] = [];
    const runs = new Map<FlushPolicy, AppendRun[]>(options.policies.map((p) => [p, []]));
    for (let repetition = 0; repetition < options.repeat; repetition++) {
      const order = steps.map((_, i) => steps[(i + repetition) % steps.length]!);
      for (const step of order) {
        const label = `  [${repetition + 1}/${options.repeat}]`;
        if (step.kind === 'dd') {
          const run = await runDd(workDir, options.ddMb);
          progress(`${label} dd: ${run.summary}`);
          ddRuns.push(run);
          continue;
        }
        if (step.kind === 'raw') {
          const run = await measureRawWrite(workDir, batches, options.mb * 1024 * 1024);
          progress(`${label} raw write: ${fixed(run.mbPerSec, 1)} MB/s, ${fixed(run.batchesPerSec)} batches/s`);
          rawRuns.push(run);
          continue;
        }
        const mb = step.policy === 'every-batch' ? options.everyBatchMb : options.mb;
        const run = await measureAppend({
          policy: step.policy,
          dir: workDir,
          batches,
          targetBytes: mb * 1024 * 1024,
          maxSeconds: options.maxSeconds,
          inFlight: options.inFlight,
        });
        progress(`${label} ${step.policy}: ${fixed(run.mbPerSec, 1)} MB/s, ${fixed(run.batchesPerSec)} batches/s`);
        runs.get(step.policy)!.push(run);
      }
    }

    const ddMbPerSec = ddRuns.length === 0 ? undefined : median(ddRuns.map((r) => r.mbPerSec));
    const percent = (mbPerSec: number): number | undefined => (ddMbPerSec === undefined ? undefined : (100 * mbPerSec) / ddMbPerSec);
    const results = options.policies.map((policy): PolicySummary => {
      const policyRuns = runs.get(policy)!;
      const mbPerSec = median(policyRuns.map((r) => r.mbPerSec));
      return {
        policy,
        mbPerSec,
        batchesPerSec: median(policyRuns.map((r) => r.batchesPerSec)),
        minMbPerSec: Math.min(...policyRuns.map((r) => r.mbPerSec)),
        maxMbPerSec: Math.max(...policyRuns.map((r) => r.mbPerSec)),
        percentOfDd: percent(mbPerSec),
        runs: policyRuns,
      };
    });
    const osResult = results.find((r) => r.policy === 'os');
    const report: Report = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      loadAverageAtStart,
      loadAverageAtEnd: os.loadavg(),
      dir: options.dir,
      batch: { records: SHAPE.recordsPerBatch, valueBytes: SHAPE.valueBytes, bytes: batchBytes },
      inFlight: options.inFlight,
      repeat: options.repeat,
      dd:
        ddMbPerSec === undefined
          ? undefined
          : {
              runs: ddRuns,
              mbPerSec: ddMbPerSec,
              minMbPerSec: Math.min(...ddRuns.map((r) => r.mbPerSec)),
              maxMbPerSec: Math.max(...ddRuns.map((r) => r.mbPerSec)),
            },
      rawWrite:
        rawRuns.length === 0
          ? undefined
          : {
              runs: rawRuns,
              mbPerSec: median(rawRuns.map((r) => r.mbPerSec)),
              batchesPerSec: median(rawRuns.map((r) => r.batchesPerSec)),
              minMbPerSec: Math.min(...rawRuns.map((r) => r.mbPerSec)),
              maxMbPerSec: Math.max(...rawRuns.map((r) => r.mbPerSec)),
            },
      results,
      osPercentOfDd: osResult?.percentOfDd,
      targetPercentOfDd: TARGET_PERCENT_OF_DD,
    };
    process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatTable(report));
  } finally {
    cleanUp();
  }
}

function formatTable(report: Report): string {
  const lines: string[] = [];
  lines.push(
    `Storage append: ${report.batch.records} records x ${report.batch.valueBytes} B per batch (${report.batch.bytes} B); ` +
      `${report.inFlight} appends in flight under group-commit and every-batch; ` +
      `median of ${report.repeat} run${report.repeat === 1 ? '' : 's'} each; MB = 10^6 B`,
  );
  lines.push('');
  const header = ['policy', 'MB/s', 'batches/s', '% of dd', 'MB/s range', 'data per run', 'batches/fsync'];
  const rows = report.results.map((r) => {
    const bytes = median(r.runs.map((run) => run.bytes));
    const advances = r.runs.reduce((sum, run) => sum + (run.durableAdvances ?? 0), 0);
    const appended = r.runs.reduce((sum, run) => sum + run.batches, 0);
    return [
      r.policy,
      fixed(r.mbPerSec, 1),
      fixed(r.batchesPerSec),
      r.percentOfDd === undefined ? '-' : `${fixed(r.percentOfDd)}%`,
      `${fixed(r.minMbPerSec)}-${fixed(r.maxMbPerSec)}`,
      `${fixed(bytes / 1024 / 1024)} MiB${r.runs.some((run) => run.timeLimited) ? ' (time limit)' : ''}`,
      r.policy === 'os' || advances === 0 ? '-' : fixed(appended / advances, 1),
    ];
  });
  if (report.rawWrite !== undefined) {
    const raw = report.rawWrite;
    const bytes = median(raw.runs.map((run) => run.bytes));
    const percent = report.dd === undefined ? '-' : `${fixed((100 * raw.mbPerSec) / report.dd.mbPerSec)}%`;
    rows.push(['raw write', fixed(raw.mbPerSec, 1), fixed(raw.batchesPerSec), percent, `${fixed(raw.minMbPerSec)}-${fixed(raw.maxMbPerSec)}`, `${fixed(bytes / 1024 / 1024)} MiB`, '1 at end']);
  }
  if (report.dd !== undefined) {
    const bytes = median(report.dd.runs.map((run) => run.bytes));
    rows.push(['dd', fixed(report.dd.mbPerSec, 1), '-', '100%', `${fixed(report.dd.minMbPerSec)}-${fixed(report.dd.maxMbPerSec)}`, `${fixed(bytes / 1024 / 1024)} MiB`, '1 at end']);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const format = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  lines.push(format(header));
  for (const row of rows) lines.push(format(row));
  lines.push('');
  const osRuns = report.results.find((r) => r.policy === 'os')?.runs ?? [];
  if (osRuns.length > 0) {
    const appendShare = median(osRuns.map((run) => (run.appendSeconds ?? 0) / run.seconds));
    lines.push(`os: append() calls take ${fixed(100 * appendShare)}% of the time (median), the final fdatasync the rest`);
  }
  const osResult = report.results.find((r) => r.policy === 'os');
  if (osResult !== undefined && report.rawWrite !== undefined) {
    lines.push(`os: ${fixed((100 * osResult.mbPerSec) / report.rawWrite.mbPerSec)}% of the raw write of the same batches (writeSync + one fdatasync, this process)`);
  }
  if (report.dd === undefined) lines.push('dd: skipped');
  else lines.push(`dd: ${report.dd.runs[0]!.command}`);
  if (report.osPercentOfDd !== undefined) {
    const verdict = report.osPercentOfDd >= report.targetPercentOfDd ? 'meets' : 'misses';
    lines.push(`os policy: ${fixed(report.osPercentOfDd)}% of dd (${verdict} the target of >= ${report.targetPercentOfDd}%)`);
  }
  const load = (values: number[]): string => values.map((l) => fixed(l, 2)).join(' ');
  lines.push(`load average: ${load(report.loadAverageAtStart)} at start, ${load(report.loadAverageAtEnd)} at end; ${report.cpus} CPUs; node ${report.node}`);
  return `${lines.join('\n')}\n`;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
