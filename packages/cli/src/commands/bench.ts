import type { Argv } from 'yargs';
import { benchControllerFailover } from '../bench/controller-failover.js';
import { benchLeaderFailover } from '../bench/leader-failover.js';

/** `quill bench ...`: benchmarks that start what they measure. */
export function benchCommand(yargs: Argv): Argv {
  return yargs.command('bench <what>', 'Run a benchmark', (y) =>
    y
      .positional('what', { choices: ['controller-failover', 'leader-failover'] as const, describe: 'what to measure' })
      .option('trials', { type: 'number', default: 20 })
      .option('json', { type: 'boolean', default: false, describe: 'one JSON object at the end instead of a summary' }),
    async (args) => {
      const progress = (line: string): void => void process.stderr.write(`${line}\n`);
      const report = args.what === 'leader-failover' ? await benchLeaderFailover(args.trials, progress) : await benchControllerFailover(args.trials, progress);
      if (args.json) {
        process.stdout.write(`${JSON.stringify(report)}\n`);
        return;
      }
      process.stdout.write(
        `${args.what} over ${report.trials} trials: median ${report.medianMs.toFixed(0)} ms, p99 ${report.p99Ms.toFixed(0)} ms, max ${report.maxMs.toFixed(0)} ms\n`,
      );
    },
  );
}
