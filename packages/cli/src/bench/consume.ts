import { QuillError, type Consumer, type PartitionOffsets } from '@quill/client';
import { DEFAULT_TIMEOUT_MS, topicPartitions } from '../client-options.js';
import { dealRoundRobin } from './plan.js';
import { startProgress, type ThroughputFigures } from './report.js';
import { LatencyHistogram, ProgressWindow, rates } from './stats.js';
import { benchClient, type BenchTarget } from './target.js';

export interface ConsumeSettings {
  topic: string;
  /** Records to read; undefined reads what the topic holds when the benchmark starts. */
  records: number | undefined;
  consumers: number;
  /** Give up when no record arrived for this long (kafka-consumer-perf-test's --timeout). */
  idleTimeoutMs: number;
}

export interface ConsumeReport extends ThroughputFigures {
  benchmark: 'consume';
  topic: string;
  /** Records the run set out to read. */
  expected: number;
  /** False when the run stopped on the idle timeout before reading `expected` records. */
  complete: boolean;
  /** Consumers that read (no more than the partitions with data). */
  consumers: number;
  partitions: number;
  /** From the start to the first record: connections, offset lookups and the first fetch. */
  startupMs: number;
}

/**
 * A gap between two `eachBatch` calls longer than this waited for a fetch; data already fetched
 * comes out in microseconds. The consumer does not say where its fetches begin and end, so the
 * benchmark's per-fetch latency is the time the reader stood waiting for data, one sample per wait.
 */
const FETCH_WAIT_THRESHOLD_MS = 0.1;

/**
 * kafka-consumer-perf-test for Quill: `consumers` clients, each assigned a share of the
 * partitions (no group), read from the log start, until `records` records or, by default,
 * every record there was when the benchmark started. The clock runs from the start of reading
 * to the last record. Like the perf test's poll loop, it reads a fetched partition's messages
 * at a time (`eachBatch`, as KafkaJS users do for throughput), not one awaited call per message.
 */
export async function benchConsume(target: BenchTarget, settings: ConsumeSettings, progress: (line: string) => void): Promise<ConsumeReport> {
  const { topic } = settings;
  const admin = benchClient(target).admin();
  let offsets: PartitionOffsets[];
  try {
    // Fails at once on a missing topic (fetchTopicOffsets would retry first).
    await topicPartitions(benchClient(target), topic, DEFAULT_TIMEOUT_MS);
    await admin.connect();
    offsets = await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
  const endOf = new Map(offsets.map((o) => [o.partition, o.high]));
  const available = offsets.reduce((sum, o) => sum + (o.high - o.low), 0);
  const expected = settings.records ?? available;
  if (expected === 0) throw new QuillError('INVALID_CONFIG', `Topic '${topic}' holds no records to read (produce some first, or give --records to wait for them).`);
  // Reading what is there: partitions without data would only wait.
  const toRead = offsets.filter((o) => settings.records !== undefined || o.high > o.low).map((o) => o.partition);
  const groups = dealRoundRobin(toRead, settings.consumers);
  const consumers = groups.map(() => benchClient(target).consumer({ autoOffsetReset: 'earliest' }));

  const now = (): number => performance.now();
  const waits = new LatencyHistogram();
  const window = new ProgressWindow('read', false, now);
  let records = 0;
  let bytes = 0;
  let startedAt = 0;
  let firstAt: number | undefined;
  let lastAt = 0;
  let finished = false;
  const stoppers: Array<() => void> = [];
  // Disconnecting ends every consumer's run loop: how the run stops once done or idle.
  const finish = (): void => {
    finished = true;
    for (const consumer of consumers) void consumer.disconnect();
    for (const stop of stoppers) stop();
  };

  const read = (consumer: Consumer, partitions: number[]): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const unfinished = new Set(partitions);
      // A consumer's first wait is its start-up (offset lookups, connections), not a fetch.
      let batchEndedAt: number | undefined;
      const stop = consumer.on('consumer.crash', ({ error }) => reject(error));
      const done = (): void => {
        stop();
        resolve();
      };
      stoppers.push(done);
      consumer.assign(partitions.map((partition) => ({ topic, partition, offset: 'earliest' as const })));
      void consumer.run({
        eachBatch: async ({ batch }) => {
          const at = now();
          if (finished) return;
          if (batchEndedAt !== undefined && at - batchEndedAt > FETCH_WAIT_THRESHOLD_MS) waits.record(at - batchEndedAt);
          firstAt ??= at;
          lastAt = at;
          let size = 0;
          let count = 0;
          for (const message of batch.messages) {
            size += (message.key?.length ?? 0) + (message.value?.length ?? 0);
            count++;
            if (records + count >= expected) break;
          }
          records += count;
          bytes += size;
          window.add(count, size);
          batchEndedAt = now();
          if (records >= expected) return finish();
          const last = batch.lastOffset();
          if (settings.records === undefined && last + 1 >= endOf.get(batch.partition)!) {
            unfinished.delete(batch.partition);
            // Its partitions are read to the end: stop fetching while the others finish.
            if (unfinished.size === 0) {
              void consumer.disconnect();
              done();
            }
          }
        },
      }).catch(reject);
    });

  let stopProgress: (() => void) | undefined;
  let idleTimer: NodeJS.Timeout | undefined;
  try {
    await Promise.all(consumers.map((c) => c.connect()));
    startedAt = now();
    lastAt = startedAt;
    stopProgress = startProgress(window, progress);
    idleTimer = setInterval(() => {
      if (now() - lastAt < settings.idleTimeoutMs) return;
      progress(`No record arrived for ${settings.idleTimeoutMs} ms (--timeout-ms): stopping after ${records} of ${expected} records.`);
      finish();
    }, Math.min(1000, settings.idleTimeoutMs));
    await Promise.all(consumers.map((consumer, i) => read(consumer, groups[i]!)));
  } finally {
    clearInterval(idleTimer);
    stopProgress?.();
    await Promise.all(consumers.map((c) => c.disconnect()));
  }
  const seconds = (lastAt - startedAt) / 1000;
  return {
    benchmark: 'consume',
    topic,
    records,
    bytes,
    seconds,
    ...rates(records, bytes, seconds),
    latencyMs: waits.summary(),
    expected,
    complete: records >= expected,
    consumers: consumers.length,
    partitions: offsets.length,
    startupMs: firstAt === undefined ? Number.NaN : firstAt - startedAt,
  };
}
