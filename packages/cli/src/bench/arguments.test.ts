// Mistakes on `quill bench` command lines end as one line naming the problem, before any cluster is started or contacted.
import yargs from 'yargs';
import { describe, expect, it } from 'vitest';
import { benchCommand } from '../commands/bench.js';

/** Parses `argv` with the bench command, set up as main.ts does, and returns the error message. */
async function errorOf(argv: string[]): Promise<string> {
  const cli = benchCommand(
    yargs(argv)
      .scriptName('quill')
      .strict()
      .exitProcess(false)
      .fail((message, error) => {
        throw error ?? new Error(message);
      }),
  );
  try {
    await cli.parseAsync();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`quill ${argv.join(' ')} did not fail`);
}

const produce = ['bench', 'produce', '--topic', 't', '--records', '10'];

const cases: Array<[string[], string]> = [
  [['bench', 'metrics-scrape', '--start-cluster', '--metrics', 'http://127.0.0.1:1/metrics'], "--start-cluster knows its nodes' /metrics URLs: give --metrics only with --bootstrap."],
  [['bench'], 'Name a benchmark: produce, consume, kafka, e2e, rebalance, metrics-cost, security-cost, metrics-scrape, cluster, controller-failover or leader-failover.'],
  [['bench', 'produce', '--topic', 't'], 'Missing required argument: records'],
  [['bench', 'produce', '--topic', 't', '--records', '0'], "--records must be a positive integer, got '0'."],
  [[...produce, '--record-size', '0'], "--record-size must be a positive integer, got '0'."],
  [[...produce, '--acks', '2'], "--acks must be -1 (or all), 0 or 1, got '2'."],
  [[...produce, '--compression', 'brotli'], "--compression must be one of none, gzip, snappy, lz4, zstd, got 'brotli'."],
  [[...produce, '--compression', 'gzip', '--compression', 'lz4'], '--compression is given more than once.'],
  [[...produce, '--linger-ms', '-1'], "--linger-ms must be a non-negative integer, got '-1'."],
  [[...produce, '--max-in-flight', '0'], "--max-in-flight must be a positive integer, got '0'."],
  [[...produce, '--duration', '0'], "--duration must be a positive number, got '0'."],
  [[...produce, '--start-cluster', '--bootstrap', '127.0.0.1:9092'], 'Arguments start-cluster and bootstrap are mutually exclusive'],
  [[...produce, '--flush-policy', 'os'], '--flush-policy sets up the brokers --start-cluster starts: give --start-cluster too.'],
  [[...produce, '--start-cluster', '--flush-policy', 'fast'], "--flush-policy must be one of os, group-commit, every-batch, got 'fast'."],
  [[...produce, '--bootstrap', 'localhost'], "--bootstrap must be host:port, got 'localhost'."],
  [['bench', 'consume', '--topic', 't', '--start-cluster'], '--start-cluster starts an empty cluster: give --records to fill the topic with first.'],
  [['bench', 'consume', '--topic', 't', '--consumers', '0'], "--consumers must be a positive integer, got '0'."],
  [['bench', 'e2e', '--topic', 't', '--record-size', '7'], "--record-size must be an integer of at least 8, got '7'."],
  [['bench', 'e2e', '--topic', 't', '--rate', '-5'], "--rate must be a positive number, got '-5'."],
  [['bench', 'kafka', '--record-sizes', '100,1024,4096', '--records', '10,20'], '--records must be one count, or one per record size (3), got 2.'],
  [['bench', 'kafka', '--record-sizes', '100,x'], "--record-sizes must be integers of at least 1 separated by commas, got 'x'."],
  [['bench', 'kafka', '--start-cluster', '--kafka-bootstrap', '127.0.0.1:9093'], "--start-cluster knows its brokers' Kafka listeners: give --kafka-bootstrap only with --bootstrap."],
  [['bench', 'cluster', '--flush-policy', 'never'], "--flush-policy must be one of os, group-commit, every-batch, got 'never'."],
  [['bench', 'leader-failover', '--records', '3'], 'Unknown argument: records'],
];

describe('bench argument errors', () => {
  it.each(cases)('quill %j', async (argv, expected) => {
    const message = await errorOf(argv);
    expect(message).not.toContain('\n');
    expect(message).toBe(expected);
  });
});
