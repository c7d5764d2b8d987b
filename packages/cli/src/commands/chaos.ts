import { QuillError } from '@quill/client';
import { CHAOS_DEFAULTS, FAULT_KINDS, POWER_LOSS_SHAPES, parseFaultKinds, parsePowerLossShapes, runChaos, type ChaosReport } from '@quill/testing';
import type { Argv } from 'yargs';
import { integer, single } from '../client-options.js';

/** Every kind but power loss, which stays opt-in (`--power-loss`, or `all`). */
const DEFAULT_FAULTS = FAULT_KINDS.filter((kind) => kind !== 'power-loss').join(',');
/** Writes per second over all writers: enough history to find anomalies, light enough for 2 cores. */
const DEFAULT_RATE = 50;

const progress = (line: string): void => void process.stderr.write(`${line}\n`);

/** `quill chaos`: a Jepsen-style run against a cluster it starts itself; exits 1 on any anomaly. */
export function chaosCommand(yargs: Argv): Argv {
  return yargs.command(
    'chaos',
    'Jepsen-style test: faults against a 3+3 process cluster, a recorded history, and a checker',
    (y) =>
      y
        .option('duration', { type: 'number', default: 60, describe: 'seconds of workload and faults', coerce: integer('--duration', 1) })
        .option('seed', { type: 'number', describe: 'seed of the fault schedule and the workload (default: from the clock; printed)', coerce: integer('--seed', 0) })
        .option('faults', { type: 'string', default: DEFAULT_FAULTS, describe: `comma list of ${FAULT_KINDS.join(', ')}; all for every kind`, coerce: single<string>('--faults') })
        .option('power-loss', { type: 'boolean', default: false, describe: 'add power-loss to --faults (nodes lose what they had not fsynced; needs FUSE)' })
        .option('power-loss-shapes', { type: 'string', default: POWER_LOSS_SHAPES.join(','), describe: `shapes of power-loss faults: comma list of ${POWER_LOSS_SHAPES.join(', ')}`, coerce: single<string>('--power-loss-shapes') })
        .option('topics', { type: 'number', default: CHAOS_DEFAULTS.topics, describe: 'checked topics (chaos-0, chaos-1, ...), 3 partitions each, replication factor 3', coerce: integer('--topics', 1) })
        .option('min-insync-replicas', { type: 'number', default: CHAOS_DEFAULTS.minInsyncReplicas, describe: "the brokers' min.insync.replicas (1-3)", coerce: integer('--min-insync-replicas', 1) })
        .option('rate', { type: 'number', default: DEFAULT_RATE, describe: 'target writes per second over all writers', coerce: integer('--rate', 1) })
        .option('flush-policy', { choices: ['group-commit', 'every-batch', 'os'] as const, describe: "the brokers' flush policy (default group-commit)" })
        .option('out', { type: 'string', describe: 'directory for history.jsonl, report.json and node logs', coerce: single<string>('--out') })
        .option('json', { type: 'boolean', default: false, describe: 'print the report as JSON' })
        .option('secure', { type: 'boolean', default: false, describe: "TLS with client certificates on every gRPC port, SASL_SSL/SCRAM-SHA-512 on the brokers', the authorizer on; the workload connects as a user with only its topics' ACLs" })
        .option('network', { choices: ['proxy', 'netns'] as const, default: 'proxy' as const, describe: 'partitions through per-link proxies, or nodes in network namespaces (root, ip netns)' }),
    async (args) => {
      let faults;
      try {
        faults = parseFaultKinds(args.faults);
      } catch (error) {
        throw new QuillError('INVALID_CONFIG', `--faults: ${(error as Error).message}.`);
      }
      if (args.powerLoss && !faults.includes('power-loss')) faults.push('power-loss');
      let powerLossShapes;
      try {
        powerLossShapes = parsePowerLossShapes(args.powerLossShapes);
      } catch (error) {
        throw new QuillError('INVALID_CONFIG', `--power-loss-shapes: ${(error as Error).message}.`);
      }
      if (args.minInsyncReplicas > 3) throw new QuillError('INVALID_CONFIG', `--min-insync-replicas must be at most 3 (the replication factor), got '${args.minInsyncReplicas}'.`);
      const seed = args.seed ?? Date.now() % 2 ** 31;
      progress(`chaos: seed ${seed}`);
      // The first SIGINT/SIGTERM ends the workload early (heal, check, stop the cluster); a second exits at once.
      const abort = new AbortController();
      const onSignal = (): void => {
        if (abort.signal.aborted) process.exit(130);
        progress('chaos: stopping early (signal again to exit at once)');
        abort.abort();
      };
      process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
      const report = await runChaos({
        signal: abort.signal,
        durationMs: args.duration * 1000,
        seed,
        faults,
        rate: args.rate,
        topics: args.topics,
        minInsyncReplicas: args.minInsyncReplicas,
        powerLossShapes,
        ...(args.out === undefined ? {} : { outDir: args.out }),
        ...(args.flushPolicy === undefined ? {} : { flushPolicy: args.flushPolicy }),
        network: args.network,
        secure: args.secure,
        progress,
      });
      process.stdout.write(args.json ? `${JSON.stringify(report)}\n` : summary(report));
      // Exit 0 only when the checker found nothing.
      if (!report.ok) process.exitCode = 1;
    },
  );
}

function summary(report: ChaosReport): string {
  const lines = [
    `seed ${report.seed}, ${report.durationMs / 1000} s, ${report.faults.length} faults:`,
    ...report.faults.map((f) => `  ${(f.startAt / 1000).toFixed(1)}–${(f.endAt / 1000).toFixed(1)} s  ${f.detail}`),
    `acknowledged ${report.acknowledged}, indeterminate ${report.indeterminate}, values read ${report.valuesRead}`,
    `lost ${report.lost}, duplicates ${report.duplicates}, inconsistent offsets ${report.inconsistentOffsets}, ` +
      `non-monotonic polls ${report.nonMonotonicPolls}, skipped polls ${report.skippedPolls}, order violations ${report.orderViolations}, ` +
      `failed but read ${report.failedButRead}, stale incarnation reads ${report.staleIncarnationReads}`,
    ...(report.churn === undefined ? [] : [`churned topic at incarnation ${report.churn.incarnation}${report.churn.finalReadComplete ? '' : ' (its final read did not reach the high watermarks)'}`]),
    `longest unavailable ${report.longestUnavailableMs} ms (${report.unavailableWindow.from}–${report.unavailableWindow.to} ms)`,
    ...(report.finalReadComplete ? [] : ['final read did not reach every high watermark']),
    report.ok ? 'ok' : 'ANOMALIES FOUND',
  ];
  return `${lines.join('\n')}\n`;
}
