import { IDEMPOTENT_MAX_IN_FLIGHT, QuillError, type Acks, type CompressionType } from '@quill/client';
import { randomPayload, splitEvenly } from './plan.js';
import { startProgress, type ThroughputFigures } from './report.js';
import { LatencyHistogram, ProgressWindow, rates } from './stats.js';
import { benchClient, ensureTopic, type BenchTarget } from './target.js';

export interface ProduceSettings {
  topic: string;
  /** Records to send, shared out among the producers. */
  records: number;
  recordSize: number;
  /** Partitions and replication factor of the topic when the benchmark creates it. */
  partitions: number;
  replicationFactor: number;
  acks: Acks;
  producers: number;
  batchSize: number;
  lingerMs: number;
  compression: CompressionType;
  /** Produce requests each producer has in flight per broker at most (max.in.flight.requests.per.connection). */
  maxInFlight: number;
  /** Stop adding records after this many seconds even if not all were sent (js-pub.mjs's --seconds). */
  durationS: number | undefined;
  /** Idempotent producers; by default they are when `maxInFlight` allows it. */
  idempotent?: boolean | undefined;
}

/** `records` leaves out the warm-up: one record per partition and producer, sent before the clock starts. */
export interface ProduceReport extends ThroughputFigures {
  benchmark: 'produce';
  topic: string;
  recordSize: number;
  /** The topic's partition count (an existing topic keeps its own). */
  partitions: number;
  acks: Acks;
  producers: number;
  batchSize: number;
  lingerMs: number;
  compression: CompressionType;
  maxInFlight: number;
  /** `send` calls made (each about one batch of records), and records per call. */
  sends: number;
  recordsPerSend: number;
}

/** Estimated bytes a record adds to a batch besides its value (the client's estimate is of the same order). */
const RECORD_OVERHEAD_BYTES = 21;
/**
 * Unacknowledged sends each producer keeps going, in batches' worth: enough to keep
 * `maxInFlight` requests busy with the next batches ready behind them, few enough that latency
 * measures the cluster rather than a queue in the client (kafka-producer-perf-test fills its
 * 32 MiB buffer instead, and reports the wait in it as latency).
 */
const SEND_WINDOW_BATCHES_PER_IN_FLIGHT = 2;
/**
 * How long the untimed warm-up may keep retrying. A broker answers LEADER_NOT_AVAILABLE while it
 * is still opening the logs of a new topic's partitions, and with 1,000 partitions on a loaded
 * machine that outlasts the client's own retries.
 */
const WARM_UP_DEADLINE_MS = 120_000;

/**
 * kafka-producer-perf-test for Quill: `producers` clients (each with its own connections)
 * send `records` records of `recordSize` bytes through the real producer (batching by
 * `batchSize`/`lingerMs`, sticky partitioning, `maxInFlight` requests per broker, compression).
 * Each `send` carries about one batch of records; latency is from a record's `send` call to its
 * acknowledgement; the clock stops at the last acknowledgement.
 */
export async function benchProduce(target: BenchTarget, settings: ProduceSettings, progress: (line: string) => void): Promise<ProduceReport> {
  const partitions = await ensureTopic(benchClient(target), settings.topic, settings.partitions, settings.replicationFactor, progress);
  const producers = Array.from({ length: settings.producers }, () =>
    benchClient(target).producer({
      allowAutoTopicCreation: false,
      batchSize: settings.batchSize,
      lingerMs: settings.lingerMs,
      compression: settings.compression,
      maxInFlightRequests: settings.maxInFlight,
      // The idempotent default allows 5 in flight at most; a benchmark asking for more measures without it.
      idempotent: settings.idempotent ?? settings.maxInFlight <= IDEMPOTENT_MAX_IN_FLIGHT,
    }),
  );
  const now = (): number => performance.now();
  const histogram = new LatencyHistogram();
  const window = new ProgressWindow('sent', true, now);
  let records = 0;
  let bytes = 0;
  let sends = 0;
  const payload = randomPayload(settings.recordSize);
  const recordsPerSend = Math.max(1, Math.floor(settings.batchSize / (settings.recordSize + RECORD_OVERHEAD_BYTES)));
  const sendWindow = Math.max(1, SEND_WINDOW_BATCHES_PER_IN_FLIGHT * settings.maxInFlight);
  const shares = splitEvenly(settings.records, settings.producers);
  let stopProgress: (() => void) | undefined;
  let started = 0;
  let ended = 0;
  try {
    await Promise.all(producers.map((p) => p.connect()));
    // Not measured, as js-pub.mjs's warm-up: one record to every partition from each producer, so
    // connections to every leader and the metadata of a new topic are in place before the clock starts.
    await Promise.all(producers.map((producer) => warmUp(() => producer.send({ topic: settings.topic, acks: settings.acks, messages: partitions.map((partition) => ({ value: payload, partition })) }), progress)));
    started = now();
    const deadline = settings.durationS === undefined ? Number.POSITIVE_INFINITY : started + settings.durationS * 1000;
    stopProgress = startProgress(window, progress);
    const messages = Array.from({ length: recordsPerSend }, () => ({ value: payload }));
    await Promise.all(
      producers.map(async (producer, k) => {
        const outstanding: Array<Promise<void>> = [];
        let handedOut = 0;
        while (handedOut < shares[k]!) {
          if (now() >= deadline) break;
          const count = Math.min(recordsPerSend, shares[k]! - handedOut);
          handedOut += count;
          const sentAt = now();
          sends++;
          outstanding.push(
            producer
              .send({ topic: settings.topic, acks: settings.acks, messages: count === recordsPerSend ? messages : messages.slice(0, count) })
              .then(() => {
                const latency = now() - sentAt;
                for (let i = 0; i < count; i++) histogram.record(latency);
                records += count;
                bytes += count * payload.length;
                window.add(count, count * payload.length, latency * count, latency);
              }),
          );
          if (outstanding.length >= sendWindow) await outstanding.shift();
        }
        await Promise.all(outstanding);
      }),
    );
    ended = now();
  } finally {
    stopProgress?.();
    await Promise.all(producers.map((p) => p.disconnect()));
  }
  const seconds = (ended - started) / 1000;
  return {
    benchmark: 'produce',
    topic: settings.topic,
    records,
    bytes,
    seconds,
    ...rates(records, bytes, seconds),
    latencyMs: histogram.summary(),
    recordSize: settings.recordSize,
    partitions: partitions.length,
    acks: settings.acks,
    producers: settings.producers,
    batchSize: settings.batchSize,
    lingerMs: settings.lingerMs,
    compression: settings.compression,
    maxInFlight: settings.maxInFlight,
    sends,
    recordsPerSend: sends === 0 ? 0 : records / sends,
  };
}

/** Runs the warm-up send again while a leader is not ready yet, up to WARM_UP_DEADLINE_MS. */
async function warmUp(send: () => Promise<unknown>, progress: (line: string) => void): Promise<void> {
  const deadline = performance.now() + WARM_UP_DEADLINE_MS;
  for (;;) {
    try {
      await send();
      return;
    } catch (error) {
      if (!(error instanceof QuillError) || !error.retriable || performance.now() >= deadline) throw error;
      progress(`Warm-up: ${error.message}; sending it again.`);
    }
  }
}
