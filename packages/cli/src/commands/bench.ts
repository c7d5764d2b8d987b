import { QuillError, type CompressionType } from '@quill/client';
import type { Argv } from 'yargs';
import { benchConsume } from '../bench/consume.js';
import { benchControllerFailover } from '../bench/controller-failover.js';
import { benchE2e } from '../bench/e2e.js';
import { benchKafka } from '../bench/kafka.js';
import { kafkaReportText, planSizeRuns } from '../bench/kafka-report.js';
import { benchLeaderFailover } from '../bench/leader-failover.js';
import { benchMetricsCost } from '../bench/metrics-cost.js';
import { benchMetricsScrape } from '../bench/metrics-scrape.js';
import { benchProduce, type ProduceSettings } from '../bench/produce.js';
import { benchRebalance } from '../bench/rebalance.js';
import { benchSecurityCost } from '../bench/security-cost.js';
import { ms, throughputLine } from '../bench/report.js';
import { FLUSH_POLICIES, openTarget, type BenchTarget, type FlushPolicy, type TargetOptions } from '../bench/target.js';
import { clientOptions, integer, single } from '../client-options.js';
import { runUntilSignal } from '../run-until-signal.js';
import { parseAcks } from './produce.js';

const COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const satisfies readonly CompressionType[];
/**
 * Kafka's batch.size default is 16 KiB and the client's is 128 KiB. A benchmark defaults to 512 KiB:
 * each batch costs an append, an fdatasync and a fetch round on every replica, whatever its size, so
 * at 100 B records 512 KiB batches sent 1.9x the records/s of 128 KiB ones here, and 1 MiB no more
 * (docs/benchmarks/round-4.md, "What changed in round 4").
 */
const DEFAULT_BATCH_SIZE = 512 * 1024;
/** Kafka's max.in.flight.requests.per.connection. */
const DEFAULT_MAX_IN_FLIGHT = 5;
/**
 * `bench e2e` publishes this long at the asked rate before measuring: the first seconds after a
 * Node process starts (client and freshly started brokers alike) run cold code and set the tail.
 */
const DEFAULT_E2E_WARM_UP_S = 2;
/** Kafka's linger.ms default since 4.0. */
const DEFAULT_LINGER_MS = 5;

/** Prometheus' usual scrape interval in the benchmark's terms: every node once a second. */
const DEFAULT_SCRAPE_INTERVAL_MS = 1000;

/** The other commands' default (client-options.ts), stated again because the bench options may not default it. */
const DEFAULT_BOOTSTRAP = '127.0.0.1:9092';

const progress = (line: string): void => void process.stderr.write(`${line}\n`);
const print = (text: string): void => void process.stdout.write(`${text}\n`);

/** `quill bench ...`: throughput and latency of a cluster, and failover times of clusters it starts. */
export function benchCommand(yargs: Argv): Argv {
  return yargs.command('bench', 'Run a benchmark', (y) =>
    y
      .command(
        'produce',
        'Producer throughput and latency (like kafka-producer-perf-test)',
        (b) =>
          batchingOptions(recordOptions(topicOptions(targetOptions(b))))
            .option('records', { type: 'number', demandOption: true, describe: 'records to send in all', coerce: integer('--records', 1) })
            .option('producers', { type: 'number', default: 1, describe: 'producers, each a client of its own, sharing the records', coerce: integer('--producers', 1) })
            .option('duration', { type: 'number', describe: 'stop after this many seconds even if not all records were sent', coerce: positive('--duration') }),
        async (args) => {
          await withTarget(args, async (target) => {
            const report = await benchProduce(target, produceSettings(args, args.records), progress);
            print(args.json ? JSON.stringify(report) : throughputLine('sent', report));
          });
        },
      )
      .command(
        'consume',
        'Consumer throughput reading from the log start (like kafka-consumer-perf-test)',
        (b) =>
          targetOptions(b)
            .option('topic', { type: 'string', demandOption: true, describe: 'the topic', coerce: single<string>('--topic') })
            .option('records', {
              type: 'number',
              describe: 'records to read (default: all the topic holds at the start); with --start-cluster, records to fill the topic with first',
              coerce: integer('--records', 1),
            })
            .option('consumers', { type: 'number', default: 1, describe: 'consumers, each a client of its own, sharing the partitions', coerce: integer('--consumers', 1) })
            .option('timeout-ms', { type: 'number', default: 10_000, describe: 'stop when no record arrived for this long, in ms', coerce: integer('--timeout-ms', 1) })
            .option('record-size', { type: 'number', default: 100, describe: 'with --start-cluster: bytes of each record of the fill', coerce: integer('--record-size', 1) })
            .option('partitions', { type: 'number', default: 12, describe: 'with --start-cluster: partitions of the topic', coerce: integer('--partitions', 1) })
            .option('replication-factor', { type: 'number', default: 3, describe: 'with --start-cluster: replication factor of the topic', coerce: integer('--replication-factor', 1) })
            .check((args) => {
              if (args.startCluster && args.records === undefined) {
                throw new QuillError('INVALID_CONFIG', '--start-cluster starts an empty cluster: give --records to fill the topic with first.');
              }
              return true;
            }),
        async (args) => {
          await withTarget(args, async (target) => {
            if (args.startCluster) {
              const filled = await benchProduce(target, produceSettings({ ...args, ...FILL_BATCHING }, args.records!), progress);
              progress(`Filled ${args.topic}: ${throughputLine('sent', filled)}`);
            }
            // Read all the fill wrote: --records records, and its warm-up (one record per partition).
            const records = args.startCluster ? undefined : args.records;
            const report = await benchConsume(target, { topic: args.topic, records, consumers: args.consumers, idleTimeoutMs: args.timeoutMs }, progress);
            if (args.json) return print(JSON.stringify(report));
            print(throughputLine('read', report, 'fetch wait'));
            print(
              `${report.consumers} consumer(s) over ${report.partitions} partitions; first record after ${ms(report.startupMs)} ms` +
                `${report.complete ? '' : `; INCOMPLETE: ${report.records} of ${report.expected}`}.`,
            );
          });
        },
      )
      .command(
        'kafka',
        'kcat (librdkafka) through the Kafka listener against Quill\'s own producer and consumer, on the same cluster',
        (b) =>
          targetOptions(b)
            .option('kafka-bootstrap', { type: 'string', describe: 'with --bootstrap: host:port list of the brokers\' Kafka listeners', coerce: single<string>('--kafka-bootstrap') })
            .option('topic', { type: 'string', default: 'bench-kafka', describe: 'prefix of the topics (one per record size and client, created when missing)', coerce: single<string>('--topic') })
            .option('record-sizes', { type: 'string', default: '100,1024', describe: 'comma-separated bytes of each record value, one run each', coerce: integerList('--record-sizes', 1) })
            .option('records', {
              type: 'string',
              default: '200000,100000',
              describe: 'records each producer sends: one count for every size, or one per size',
              coerce: integerList('--records', 1),
            })
            .option('partitions', { type: 'number', default: 12, describe: 'partitions of the topics when created', coerce: integer('--partitions', 1) })
            .option('replication-factor', { type: 'number', default: 3, describe: 'replication factor of the topics when created', coerce: integer('--replication-factor', 1) })
            .option('batch-size', { type: 'number', default: DEFAULT_BATCH_SIZE, describe: 'bytes per partition batch, both producers (batch.size)', coerce: integer('--batch-size', 1) })
            .option('linger-ms', { type: 'number', default: DEFAULT_LINGER_MS, describe: 'longest wait for a batch to fill, both producers (linger.ms)', coerce: integer('--linger-ms', 0) })
            .option('idempotence', { type: 'boolean', default: true, describe: 'both producers idempotent (Quill\'s default); --no-idempotence: neither (librdkafka\'s default)' })
            .option('timeout-ms', { type: 'number', default: 10_000, describe: 'our consumer stops when no record arrived for this long, in ms', coerce: integer('--timeout-ms', 1) })
            .option('kcat', { type: 'string', default: 'kcat', describe: 'the kcat executable', coerce: single<string>('--kcat') })
            .check((args) => {
              if (args.kafkaBootstrap !== undefined && args.startCluster === true) {
                throw new QuillError('INVALID_CONFIG', '--start-cluster knows its brokers\' Kafka listeners: give --kafka-bootstrap only with --bootstrap.');
              }
              // Coerced already (yargs' types do not follow a coerce in check).
              const sizes = (args.recordSizes as number[]).length;
              if (args.records.length !== 1 && args.records.length !== sizes) {
                throw new QuillError('INVALID_CONFIG', `--records must be one count, or one per record size (${sizes}), got ${args.records.length}.`);
              }
              return true;
            }),
        async (args) => {
          await withTarget(args, async (target) => {
            const report = await benchKafka(
              target,
              {
                topic: args.topic,
                runs: planSizeRuns(args.recordSizes, args.records),
                partitions: args.partitions,
                replicationFactor: args.replicationFactor,
                batchSize: args.batchSize,
                lingerMs: args.lingerMs,
                idempotent: args.idempotence,
                idleTimeoutMs: args.timeoutMs,
                kcat: args.kcat,
              },
              progress,
            );
            print(args.json ? JSON.stringify(report) : kafkaReportText(report));
          });
        },
      )
      .command(
        'e2e',
        'Publish-to-receive latency at a fixed rate',
        (b) =>
          batchingOptions(recordOptions(topicOptions(metricsOptions(targetOptions(b))), { minRecordSize: 8, partitions: 1 }), { lingerMs: 0 })
            .option('rate', { type: 'number', default: 5000, describe: 'records per second to publish', coerce: positive('--rate') })
            .option('duration', { type: 'number', default: 10, describe: 'seconds to publish for', coerce: positive('--duration') })
            .option('warm-up', {
              type: 'number',
              default: DEFAULT_E2E_WARM_UP_S,
              describe: 'seconds to publish at the same rate first, not measured (JIT and first allocations in client and brokers)',
              coerce: nonNegative('--warm-up'),
            })
            .option('timeout-ms', { type: 'number', default: 10_000, describe: 'after publishing, wait this long at most for the rest to arrive, in ms', coerce: integer('--timeout-ms', 1) }),
        async (args) => {
          await withTarget(args, async (target) => {
            const report = await benchE2e(
              target,
              {
                topic: args.topic,
                rate: args.rate,
                durationS: args.duration,
                warmUpS: args.warmUp,
                recordSize: args.recordSize,
                partitions: args.partitions,
                replicationFactor: args.replicationFactor,
                acks: args.acks,
                batchSize: args.batchSize,
                lingerMs: args.lingerMs,
                compression: args.compression,
                maxInFlight: args.maxInFlight,
                drainTimeoutMs: args.timeoutMs,
              },
              progress,
            );
            if (args.json) return print(JSON.stringify(report));
            const l = report.latencyMs;
            print(
              `${report.records} of ${report.sent} records received at ${report.achievedRate.toFixed(1)} records/sec (asked ${report.rate}), ` +
                `publish-to-receive latency: ${ms(l.p50)} ms 50th, ${ms(l.p99)} ms 99th, ${ms(l.p999)} ms 99.9th, ${ms(l.max)} ms max; ` +
                `ack latency ${ms(report.ackLatencyMs.p50)} ms 50th, ${ms(report.ackLatencyMs.p99)} ms 99th.`,
            );
            for (const stage of report.stages ?? []) {
              print(`  ${stage.stage.padEnd(22)} ${ms(stage.meanMs).padStart(8)} ms mean ${ms(stage.p50Ms).padStart(8)} ms 50th ${ms(stage.p99Ms).padStart(8)} ms 99th  (${stage.count})`);
            }
          });
        },
      )
      .command(
        'rebalance',
        'Consumer group rebalance time: members of a fresh group joining at once, then one leaving (default settings)',
        (b) =>
          topicOptions(targetOptions(b))
            .default('topic', 'bench-rebalance')
            .option('members', { type: 'number', default: 10, describe: 'consumers in each group (at least 2: one leaves)', coerce: integer('--members', 2) })
            .option('trials', { type: 'number', default: 10, describe: 'groups to form, each with a fresh group id', coerce: integer('--trials', 1) }),
        async (args) => {
          await withTarget(args, async (target) => {
            const report = await benchRebalance(
              target,
              { topic: args.topic, partitions: args.partitions, replicationFactor: args.replicationFactor, members: args.members, trials: args.trials },
              progress,
            );
            if (args.json) return print(JSON.stringify(report));
            const line = (what: string, s: { p50: number; p99: number; max: number }) => `${what}: ${ms(s.p50)} ms 50th, ${ms(s.p99)} ms 99th, ${ms(s.max)} ms max`;
            print(
              `${report.members} members over ${report.partitions} partitions, ${report.trials} trial${report.trials === 1 ? '' : 's'}. ` +
                `${line('join', report.joinMs)}; ${line('one leaves', report.leaveMs)} (heard of it: ${line('', report.leaveNoticedMs).slice(2)}).`,
            );
          });
        },
      )
      .command(
        'cluster',
        'Start 3 controllers and 3 brokers (as --start-cluster does) and keep them until Ctrl-C, to run several benchmarks against',
        (b) =>
          b
            .option('flush-policy', flushPolicyOption)
            .option('json', { type: 'boolean', default: false, describe: 'print the bootstrap as a JSON line' }),
        async (args) => {
          const target = await openTarget({ bootstrap: '', startCluster: true, flushPolicy: args.flushPolicy, logLevel: undefined }, progress);
          print(
            args.json
              ? JSON.stringify({ bootstrap: target.bootstrap, kafkaBootstrap: target.kafkaBootstrap, metrics: target.metricsUrls?.brokers.join(','), flushPolicy: args.flushPolicy ?? 'group-commit' })
              : `bootstrap ${target.bootstrap}\nkafka ${target.kafkaBootstrap ?? '-'}\nmetrics ${target.metricsUrls?.brokers.join(',') ?? '-'}`,
          );
          await runUntilSignal(() => target.stop());
        },
      )
      .command(
        'metrics-cost',
        'Produce throughput with every node\'s /metrics scraped each second against none, the runs interleaved',
        (b) =>
          batchingOptions(recordOptions(topicOptions(metricsOptions(targetOptions(b)))))
            .default('topic', 'bench-metrics-cost')
            .option('runs', { type: 'number', default: 3, describe: 'produce runs on each side', coerce: integer('--runs', 1) })
            .option('seconds', { type: 'number', default: 10, describe: 'seconds each run produces for', coerce: positive('--seconds') })
            .option('scrape-interval-ms', { type: 'number', default: DEFAULT_SCRAPE_INTERVAL_MS, describe: 'time between scrapes of each node on the scraped side', coerce: integer('--scrape-interval-ms', 1) }),
        async (args) => {
          await withTarget(args, async (target) => {
            const report = await benchMetricsCost(
              target,
              { runs: args.runs, seconds: args.seconds, scrapeIntervalMs: args.scrapeIntervalMs, produce: { ...produceSettings({ ...args, producers: 1 }, 0) } },
              progress,
            );
            if (args.json) return print(JSON.stringify(report));
            print(
              `scraped ${report.scrapedUrls.length} nodes every ${report.scrapeIntervalMs} ms: ${report.scrapedMedianRecordsPerSec.toFixed(0)} records/sec median; ` +
                `not scraped: ${report.unscrapedMedianRecordsPerSec.toFixed(0)} records/sec median; cost ${report.costPercent.toFixed(1)}% (${args.runs} runs of ${report.seconds} s each side).`,
            );
          });
        },
      )
      .command(
        'security-cost',
        'Produce and consume throughput of a plaintext cluster against a secure one (TLS and SCRAM-SHA-512 on the gRPC ports), started one after the other',
        (b) =>
          batchingOptions(topicOptions(b))
            .default('topic', 'bench-security-cost')
            .option('start-cluster', { type: 'boolean', describe: 'start the clusters (needed: the benchmark compares two clusters it starts)' })
            .option('flush-policy', flushPolicyOption)
            .option('record-sizes', { type: 'string', default: '100,1024', describe: 'comma-separated bytes of each record value, one topic each', coerce: integerList('--record-sizes', 1) })
            .option('runs', { type: 'number', default: 1, describe: 'clusters started on each side, the sides alternating', coerce: integer('--runs', 1) })
            .option('seconds', { type: 'number', default: 10, describe: 'seconds each produce run sends for', coerce: positive('--seconds') })
            .option('warm-up', { type: 'number', default: 2, describe: 'seconds of unmeasured produce on each new cluster first', coerce: nonNegative('--warm-up') })
            .option('timeout-ms', { type: 'number', default: 10_000, describe: 'a consume run stops when no record arrived for this long, in ms', coerce: integer('--timeout-ms', 1) })
            .option('json', { type: 'boolean', default: false, describe: 'one JSON object at the end instead of a summary' })
            .check((args) => {
              if (args.startCluster !== true) throw new QuillError('INVALID_CONFIG', 'bench security-cost compares a plaintext and a secure cluster it starts itself: give --start-cluster.');
              return true;
            }),
        async (args) => {
          const report = await benchSecurityCost(
            (side) => openTarget({ bootstrap: '', startCluster: true, flushPolicy: args.flushPolicy, logLevel: undefined, secure: side === 'secure' }, progress),
            {
              runs: args.runs,
              recordSizes: args.recordSizes,
              seconds: args.seconds,
              warmUpS: args.warmUp,
              topic: args.topic,
              idleTimeoutMs: args.timeoutMs,
              produce: { partitions: args.partitions, replicationFactor: args.replicationFactor, acks: args.acks, producers: 1, batchSize: args.batchSize, lingerMs: args.lingerMs, compression: args.compression, maxInFlight: args.maxInFlight },
            },
            progress,
          );
          if (args.json) return print(JSON.stringify(report));
          for (const size of report.sizes) {
            print(
              `${size.recordSize} B: produce ${size.plaintextProduceRecordsPerSec.toFixed(0)} plaintext, ${size.secureProduceRecordsPerSec.toFixed(0)} secure records/sec (secure/plaintext ${size.produceRatio.toFixed(2)}); ` +
                `consume ${size.plaintextConsumeRecordsPerSec.toFixed(0)} plaintext, ${size.secureConsumeRecordsPerSec.toFixed(0)} secure records/sec (${size.consumeRatio.toFixed(2)}).`,
            );
          }
        },
      )
      .command(
        'metrics-scrape',
        'Time and memory of a broker\'s /metrics with a topic of many partitions and a group committed on all of them',
        (b) =>
          topicOptions(metricsOptions(targetOptions(b)))
            .default('topic', 'bench-metrics-scrape')
            .default('partitions', 1000)
            .option('group', { type: 'string', default: 'bench-metrics-scrape', describe: 'the group whose offsets are committed on every partition', coerce: single<string>('--group') })
            .option('scrapes', { type: 'number', default: 20, describe: 'timed scrapes of each broker', coerce: integer('--scrapes', 1) }),
        async (args) => {
          await withTarget(args, async (target) => {
            const report = await benchMetricsScrape(
              target,
              { topic: args.topic, partitions: args.partitions, replicationFactor: args.replicationFactor, group: args.group, scrapes: args.scrapes },
              progress,
            );
            if (args.json) return print(JSON.stringify(report));
            print(
              `${report.partitions} partitions, ${report.brokers.length} brokers, ${report.scrapes} scrapes each: ${ms(report.scrapeP50Ms)} ms median, ${ms(report.scrapeMaxMs)} ms max (slowest broker); ` +
                `registry of the largest broker's series: ${(report.registryHeapBytes / 1e6).toFixed(2)} MB of heap.${report.settled ? '' : ' (NOT SETTLED: some replicas or lag series were missing.)'}`,
            );
          });
        },
      )
      .command(failoverCommand('controller-failover', 'Controller failover time, on 3 controllers it starts', benchControllerFailover))
      .command(failoverCommand('leader-failover', 'Partition leader failover time, on 3 controllers and 3 brokers it starts', benchLeaderFailover))
      .demandCommand(1, 'Name a benchmark: produce, consume, kafka, e2e, rebalance, metrics-cost, security-cost, metrics-scrape, cluster, controller-failover or leader-failover.'),
  );
}

interface FailoverReport {
  trials: number;
  medianMs: number;
  p99Ms: number;
  maxMs: number;
}

function failoverCommand(name: string, description: string, run: (trials: number, progress: (line: string) => void) => Promise<FailoverReport>) {
  return {
    command: name,
    describe: description,
    builder: (b: Argv) =>
      b
        .option('trials', { type: 'number', default: 20 })
        .option('json', { type: 'boolean', default: false, describe: 'one JSON object at the end instead of a summary' }),
    handler: async (args: { trials: number; json: boolean }) => {
      const report = await run(args.trials, progress);
      if (args.json) return print(JSON.stringify(report));
      print(`${name} over ${report.trials} trials: median ${report.medianMs.toFixed(0)} ms, p99 ${report.p99Ms.toFixed(0)} ms, max ${report.maxMs.toFixed(0)} ms`);
    },
  };
}

/** The fill of `consume --start-cluster`: the produce defaults, not measured. */
const FILL_BATCHING = {
  acks: -1,
  batchSize: DEFAULT_BATCH_SIZE,
  lingerMs: DEFAULT_LINGER_MS,
  compression: 'none',
  maxInFlight: DEFAULT_MAX_IN_FLIGHT,
  producers: 1,
  duration: undefined,
} as const;

const flushPolicyOption = {
  choices: FLUSH_POLICIES,
  describe: 'flush policy of the brokers the benchmark starts (default group-commit: durable acks)',
  coerce: oneOf('--flush-policy', FLUSH_POLICIES),
} as const;

/** With --bootstrap, the /metrics URLs of the nodes to scrape (a started cluster knows its own). */
function metricsOptions<T>(y: Argv<T>) {
  return y
    .option('metrics', { type: 'string', describe: 'with --bootstrap: comma-separated /metrics URLs of the nodes to scrape', coerce: single<string>('--metrics') })
    .check((args) => {
      if (args.metrics !== undefined && args.startCluster === true) throw new QuillError('INVALID_CONFIG', '--start-cluster knows its nodes\' /metrics URLs: give --metrics only with --bootstrap.');
      return true;
    });
}

/** Where to run: --bootstrap (a running cluster) or --start-cluster. */
function targetOptions<T>(y: Argv<T>) {
  return (
    clientOptions(y)
      // No value unless given, so that giving both --bootstrap and --start-cluster is caught (yargs counts defaults as given).
      .default('bootstrap', undefined, DEFAULT_BOOTSTRAP)
      .option('start-cluster', { type: 'boolean', describe: 'start 3 controllers and 3 brokers as processes for this run, and stop them after' })
      .option('flush-policy', flushPolicyOption)
      .conflicts('start-cluster', 'bootstrap')
      .check((args) => {
        if (args.flushPolicy !== undefined && args.startCluster !== true) {
          throw new QuillError('INVALID_CONFIG', '--flush-policy sets up the brokers --start-cluster starts: give --start-cluster too.');
        }
        return true;
      })
  );
}

function topicOptions<T>(y: Argv<T>) {
  return y
    .option('topic', { type: 'string', demandOption: true, describe: 'the topic (created when missing)', coerce: single<string>('--topic') })
    .option('partitions', { type: 'number', default: 12, describe: 'partitions of the topic when created', coerce: integer('--partitions', 1) })
    .option('replication-factor', { type: 'number', default: 3, describe: 'replication factor of the topic when created', coerce: integer('--replication-factor', 1) });
}

/** `minRecordSize`: e2e records carry an 8-byte timestamp; `partitions`: a different default. */
function recordOptions<T>(y: Argv<T>, overrides: { minRecordSize?: number; partitions?: number } = {}) {
  const withSize = y.option('record-size', {
    type: 'number',
    default: 100,
    describe: 'bytes of each record value',
    coerce: integer('--record-size', overrides.minRecordSize ?? 1),
  });
  return overrides.partitions === undefined ? withSize : withSize.default('partitions', overrides.partitions);
}

function batchingOptions<T>(y: Argv<T>, defaults: { lingerMs?: number } = {}) {
  return y
    .option('acks', { type: 'string', default: 'all', describe: 'all (-1), 1 or 0', coerce: parseAcks })
    .option('batch-size', { type: 'number', default: DEFAULT_BATCH_SIZE, describe: 'bytes per partition batch before it is sent (batch.size)', coerce: integer('--batch-size', 1) })
    .option('linger-ms', { type: 'number', default: defaults.lingerMs ?? DEFAULT_LINGER_MS, describe: 'longest wait for a batch to fill, in ms (linger.ms)', coerce: integer('--linger-ms', 0) })
    .option('compression', { choices: COMPRESSIONS, default: 'none' as CompressionType, describe: 'codec of the record batches', coerce: oneOf('--compression', COMPRESSIONS) })
    .option('max-in-flight', { type: 'number', default: DEFAULT_MAX_IN_FLIGHT, describe: 'batches each producer has in flight at most', coerce: integer('--max-in-flight', 1) });
}

/** A number option that must satisfy `ok`, else INVALID_CONFIG saying it must be `what`. */
function checkedNumber(flag: string, ok: (n: number) => boolean, what: string): (value: number | number[]) => number {
  const one = single<number>(flag);
  return (value) => {
    const n = one(value);
    if (!Number.isFinite(n) || !ok(n)) throw new QuillError('INVALID_CONFIG', `${flag} must be ${what}, got '${Number.isNaN(n) ? 'not a number' : n}'.`);
    return n;
  };
}

/** A yargs `coerce` for a number >= 0 that may have a fraction (seconds). */
function nonNegative(flag: string): (value: number | number[]) => number {
  return checkedNumber(flag, (n) => n >= 0, 'a number of at least 0');
}

/** A yargs `coerce` for a number > 0 that may have a fraction (seconds, rates). */
function positive(flag: string): (value: number | number[]) => number {
  return checkedNumber(flag, (n) => n > 0, 'a positive number');
}

/** A yargs `coerce` for a comma-separated list of integers of at least `min`. */
function integerList(flag: string, min: number): (value: string | string[]) => number[] {
  const one = single<string>(flag);
  return (value) =>
    String(one(value))
      .split(',')
      .map((part) => {
        const n = Number(part.trim());
        if (part.trim() === '' || !Number.isSafeInteger(n) || n < min) throw new QuillError('INVALID_CONFIG', `${flag} must be integers of at least ${min} separated by commas, got '${part}'.`);
        return n;
      });
}

/**
 * A yargs `coerce` for options with `choices`: one value, checked here so that a wrong one gets
 * a one-line error (yargs' own choices error spans lines).
 */
function oneOf<C extends string>(flag: string, choices: readonly C[]): (value: string | string[]) => C {
  const one = single<string>(flag);
  return (value) => {
    const text = one(value);
    const choice = choices.find((c) => c === text);
    if (choice === undefined) throw new QuillError('INVALID_CONFIG', `${flag} must be one of ${choices.join(', ')}, got '${text}'.`);
    return choice;
  };
}

interface TargetArgs {
  bootstrap: string | undefined;
  kafkaBootstrap?: string | undefined;
  metrics?: string | undefined;
  startCluster: boolean | undefined;
  flushPolicy: FlushPolicy | undefined;
  logLevel: TargetOptions['logLevel'];
}

/**
 * Runs `bench` on the cluster the options name, then stops a cluster it started, whatever
 * happened. `bench` prints its result itself, so it is out before the cluster shuts down.
 */
async function withTarget(args: TargetArgs, bench: (target: BenchTarget) => Promise<void>): Promise<void> {
  const target = await openTarget(
    {
      bootstrap: args.bootstrap ?? DEFAULT_BOOTSTRAP,
      kafkaBootstrap: args.kafkaBootstrap,
      metricsUrls: args.metrics?.split(',').map((url) => url.trim()),
      startCluster: args.startCluster === true,
      flushPolicy: args.flushPolicy,
      logLevel: args.logLevel,
    },
    progress,
  );
  try {
    await bench(target);
  } finally {
    await target.stop();
  }
}

interface ProduceArgs {
  topic: string;
  recordSize: number;
  partitions: number;
  replicationFactor: number;
  acks: ProduceSettings['acks'];
  producers: number;
  batchSize: number;
  lingerMs: number;
  compression: CompressionType;
  maxInFlight: number;
  duration?: number | undefined;
}

function produceSettings(args: ProduceArgs, records: number): ProduceSettings {
  return {
    topic: args.topic,
    records,
    recordSize: args.recordSize,
    partitions: args.partitions,
    replicationFactor: args.replicationFactor,
    acks: args.acks,
    producers: args.producers,
    batchSize: args.batchSize,
    lingerMs: args.lingerMs,
    compression: args.compression,
    maxInFlight: args.maxInFlight,
    durationS: args.duration,
  };
}
