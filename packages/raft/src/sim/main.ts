/**
 * `pnpm sim`: runs the deterministic Raft simulation over a range of seeds.
 *
 *   pnpm sim --seeds 100000 [--start S] [--steps N] [--voters 3|5] [--observers N]
 *   pnpm sim --seed S [--steps N] [--voters 3|5] [--observers N] [--trace]
 *
 * Prints progress and a summary; exits 1 on the first failing seed with the command
 * that reproduces it.
 */
import { parseArgs } from 'node:util';
import { LIVENESS_TICKS_MAX, runSimulation, SimulationFailure, STEPS_DEFAULT, type Sabotage, type SimulationReport } from './simulation.js';

const PROGRESS_INTERVAL_MS = 2000;

interface CliOptions {
  readonly firstSeed: number;
  readonly seedCount: number;
  readonly steps: number;
  readonly voters: number | undefined;
  readonly observers: number | undefined;
  readonly sabotage: Sabotage | undefined;
  readonly trace: boolean;
}

function parseCli(argv: string[]): CliOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      seeds: { type: 'string' },
      start: { type: 'string' },
      seed: { type: 'string' },
      steps: { type: 'string' },
      voters: { type: 'string' },
      observers: { type: 'string' },
      sabotage: { type: 'string' },
      trace: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const single = values.seed === undefined ? undefined : integer('--seed', values.seed, 0);
  const voters = values.voters === undefined ? undefined : integer('--voters', values.voters, 1);
  if (voters !== undefined && voters !== 3 && voters !== 5) throw new Error('--voters must be 3 or 5');
  if (values.sabotage !== undefined && values.sabotage !== 'send-before-persist') throw new Error('--sabotage must be send-before-persist');
  return {
    firstSeed: single ?? (values.start === undefined ? 0 : integer('--start', values.start, 0)),
    seedCount: single !== undefined ? 1 : values.seeds === undefined ? 100 : integer('--seeds', values.seeds, 1),
    steps: values.steps === undefined ? STEPS_DEFAULT : integer('--steps', values.steps, 1),
    voters,
    observers: values.observers === undefined ? undefined : integer('--observers', values.observers, 0),
    sabotage: values.sabotage,
    trace: values.trace,
  };
}

function integer(flag: string, text: string, min: number): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`${flag} must be an integer >= ${min}, got ${text}`);
  return value;
}

interface Totals {
  seeds: number;
  events: number;
  ticks: number;
  leaderTerms: number;
  committed: number;
  crashes: number;
  partitions: number;
  snapshotsSent: number;
  transfers: number;
  livenessTicksMax: number;
  slowestLivenessSeed: number;
}

function add(totals: Totals, report: SimulationReport): void {
  totals.seeds++;
  totals.events += report.events;
  totals.ticks += report.ticks;
  totals.leaderTerms += report.leaderTerms;
  totals.committed += report.committedIndex;
  totals.crashes += report.crashes;
  totals.partitions += report.partitions;
  totals.snapshotsSent += report.snapshotsSent;
  totals.transfers += report.transfers;
  if (report.livenessTicks > totals.livenessTicksMax) {
    totals.livenessTicksMax = report.livenessTicks;
    totals.slowestLivenessSeed = report.seed;
  }
}

const USAGE = 'usage: pnpm sim [--seeds N] [--start S] [--seed S] [--steps N] [--voters 3|5] [--observers N] [--trace]';

async function main(): Promise<number> {
  let cli: CliOptions;
  try {
    cli = parseCli(process.argv.slice(2));
  } catch (error) {
    process.stdout.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  const totals: Totals = {
    seeds: 0,
    events: 0,
    ticks: 0,
    leaderTerms: 0,
    committed: 0,
    crashes: 0,
    partitions: 0,
    snapshotsSent: 0,
    transfers: 0,
    livenessTicksMax: 0,
    slowestLivenessSeed: 0,
  };
  const startedAt = performance.now();
  let lastProgressAt = startedAt;
  const lastSeed = cli.firstSeed + cli.seedCount - 1;
  process.stdout.write(`raft simulation: seeds ${cli.firstSeed}..${lastSeed}, ${cli.steps} fault-phase events each\n`);
  for (let seed = cli.firstSeed; seed <= lastSeed; seed++) {
    try {
      const report = await runSimulation({
        seed,
        steps: cli.steps,
        ...(cli.voters === undefined ? {} : { voters: cli.voters }),
        ...(cli.observers === undefined ? {} : { observers: cli.observers }),
        ...(cli.sabotage === undefined ? {} : { sabotage: cli.sabotage }),
        ...(cli.trace ? { trace: (line: string) => process.stdout.write(`${line}\n`) } : {}),
      });
      add(totals, report);
      if (cli.seedCount === 1) process.stdout.write(`${JSON.stringify(report)}\n`);
    } catch (error) {
      if (!(error instanceof SimulationFailure)) throw error;
      process.stdout.write(`\nFAIL ${error.message}\n`);
      process.stdout.write(`${totals.seeds} seeds passed before it.\n${error.reproduction}\n`);
      return 1;
    }
    const now = performance.now();
    if (now - lastProgressAt >= PROGRESS_INTERVAL_MS) {
      lastProgressAt = now;
      process.stdout.write(`  ${totals.seeds}/${cli.seedCount} seeds ok (${((now - startedAt) / 1000).toFixed(1)} s)\n`);
    }
  }
  const seconds = (performance.now() - startedAt) / 1000;
  process.stdout.write(
    [
      `ok: ${totals.seeds} seeds in ${seconds.toFixed(1)} s (${(totals.seeds / seconds).toFixed(1)} seeds/s)`,
      `  events ${totals.events}, virtual ticks ${totals.ticks}, terms with a leader ${totals.leaderTerms}, entries committed ${totals.committed}`,
      `  crashes ${totals.crashes}, partitions ${totals.partitions}, snapshots sent ${totals.snapshotsSent}, leadership transfers ${totals.transfers}`,
      `  slowest liveness phase: ${totals.livenessTicksMax} of ${LIVENESS_TICKS_MAX} ticks (seed ${totals.slowestLivenessSeed})`,
      '',
    ].join('\n'),
  );
  return 0;
}

process.exitCode = await main();
