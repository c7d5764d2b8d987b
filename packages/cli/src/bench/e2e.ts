import { setTimeout as sleep } from 'node:timers/promises';
import { IDEMPOTENT_MAX_IN_FLIGHT, QuillError, type Acks, type CompressionType } from '@quill/client';
import { scrapeStages, stagesBetween, type StageFigures, type StageSnapshot } from './latency-breakdown.js';
import { readStamp, stampedValue } from './plan.js';
import { startProgress, type ThroughputFigures } from './report.js';
import { LatencyHistogram, ProgressWindow } from './stats.js';
import { benchClient, ensureTopic, type BenchTarget } from './target.js';

export interface E2eSettings {
  topic: string;
  /** Records per second to publish. */
  rate: number;
  durationS: number;
  /**
   * Seconds of publishing at `rate` before the measured `durationS`, not counted: JIT compilation
   * and first-time allocations in the client and in freshly started brokers otherwise set the
   * first seconds' latency (steady state is what a long-running service sees).
   */
  warmUpS: number;
  recordSize: number;
  partitions: number;
  replicationFactor: number;
  acks: Acks;
  batchSize: number;
  lingerMs: number;
  compression: CompressionType;
  maxInFlight: number;
  /** After publishing, how long to wait for the consumer to receive the rest. */
  drainTimeoutMs: number;
}

export interface E2eReport extends ThroughputFigures {
  benchmark: 'e2e';
  topic: string;
  /** The rate asked for, and the rate achieved (records handed to the producer per second). */
  rate: number;
  achievedRate: number;
  sent: number;
  /** Seconds published before the measurement, not counted. */
  warmUpS: number;
  /** Sent but not received before the drain timeout. */
  missing: number;
  recordSize: number;
  /** From hand-off to the producer to the produce acknowledgement. */
  ackLatencyMs: ThroughputFigures['latencyMs'];
  /** The brokers' own timing of each stage over the measured window, when their metrics can be read. */
  stages?: StageFigures[];
}

/**
 * Publish-to-receive latency at a fixed rate (js-latency.mjs's shape): one producer hands
 * `rate` records a second to the client producer for `durationS` seconds, each value starting with its
 * hand-off time, while a consumer in the same process reads the topic from where it ended and
 * measures each record's age on arrival (one clock, so no skew). `records`, `recordsPerSec` and
 * `mbPerSec` are what was received, over the publishing time.
 */
export async function benchE2e(target: BenchTarget, settings: E2eSettings, progress: (line: string) => void): Promise<E2eReport> {
  const { topic } = settings;
  const partitions = await ensureTopic(benchClient(target), topic, settings.partitions, settings.replicationFactor, progress);
  const admin = benchClient(target).admin();
  let ends: Array<{ partition: number; high: number }>;
  try {
    await admin.connect();
    ends = await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
  const producer = benchClient(target).producer({
    allowAutoTopicCreation: false,
    batchSize: settings.batchSize,
    lingerMs: settings.lingerMs,
    maxInFlightRequests: settings.maxInFlight,
    idempotent: settings.maxInFlight <= IDEMPOTENT_MAX_IN_FLIGHT,
  });
  const consumer = benchClient(target).consumer();
  const now = (): number => performance.now();
  const latency = new LatencyHistogram();
  const ackLatency = new LatencyHistogram();
  const window = new ProgressWindow('received', true, now);
  const total = Math.round(settings.rate * settings.durationS);
  let received = 0;
  let receivedBytes = 0;
  let allReceived: () => void = () => undefined;
  const everythingReceived = new Promise<void>((resolve) => (allReceived = resolve));
  let warmUpsReceived = 0;
  let warmedUp: () => void = () => undefined;
  const warmUpReceived = new Promise<void>((resolve) => (warmedUp = resolve));

  // Records stamped before this were published during the warm-up and are not counted.
  let measuredFrom = Number.POSITIVE_INFINITY;
  const warmUp = { latency: new LatencyHistogram(), ackLatency: new LatencyHistogram(), window: new ProgressWindow('received', true, now) };
  const receive = async (): Promise<void> => {
    for await (const message of consumer.messages()) {
      const sentAt = readStamp(message.value);
      // The first records are empty: measured records are at least a timestamp long.
      if (sentAt === undefined) {
        if (++warmUpsReceived === partitions.length) warmedUp();
        continue;
      }
      const age = now() - sentAt;
      if (sentAt < measuredFrom) {
        // The same work as for a measured record, so the code that measures is warm too.
        warmUp.latency.record(age);
        warmUp.window.add(1, message.value!.length, age, age);
        continue;
      }
      latency.record(age);
      received++;
      receivedBytes += message.value!.length;
      window.add(1, message.value!.length, age, age);
      if (received >= total) allReceived();
    }
  };

  let stopProgress: (() => void) | undefined;
  let receiving: Promise<void> | undefined;
  let receiveFailure: { error: unknown } | undefined;
  let publishFailure: { error: unknown } | undefined;
  // A function, not inline checks: the failure is set by the receive loop, which TypeScript's narrowing does not see.
  const throwIfReceiveFailed = (): void => {
    if (receiveFailure !== undefined) throw receiveFailure.error;
  };
  // Unreferenced: the timer must not keep the process alive once everything arrived.
  const drainTimeout = (): Promise<void> => sleep(settings.drainTimeoutMs, undefined, { ref: false });
  let sent = 0;
  let publishSeconds = 0;
  const brokerMetrics = target.metricsUrls?.brokers;
  let stagesBefore: StageSnapshot | undefined;
  let stages: StageFigures[] | undefined;
  try {
    await Promise.all([producer.connect(), consumer.connect()]);
    // From the current ends, so records of earlier runs on the topic are not counted.
    consumer.assign(ends.map(({ partition, high }) => ({ topic, partition, offset: high })));
    receiving = receive().catch((error: unknown) => {
      receiveFailure = { error };
    });
    // Not measured: an empty record through every partition, so connections, metadata and the
    // consumer's first fetches are in place before the first measured record (js-latency.mjs
    // gives its consumer a 500 ms head start for the same reason).
    await producer.send({ topic, acks: settings.acks, messages: partitions.map((partition) => ({ value: Buffer.alloc(0), partition })) });
    await Promise.race([warmUpReceived, receiving, drainTimeout()]);
    throwIfReceiveFailed();
    if (warmUpsReceived < partitions.length) {
      throw new QuillError('REQUEST_TIMED_OUT', `The warm-up records did not reach the consumer within ${settings.drainTimeoutMs} ms (--timeout-ms).`);
    }
    // Each record goes to the client producer as it is due, as an application would send it:
    // batching is the producer's own (lingerMs, and batches filling while requests are in flight).
    const pending = new Set<Promise<void>>();
    const publish = (measured: boolean): void => {
      const addedAt = now();
      const acknowledged = producer
        .send({ topic, acks: settings.acks, compression: settings.compression, messages: [{ value: stampedValue(settings.recordSize, addedAt) }] })
        .then(
          () => (measured ? ackLatency : warmUp.ackLatency).record(now() - addedAt),
          (error: unknown) => {
            publishFailure ??= { error };
          },
        )
        .finally(() => pending.delete(acknowledged));
      pending.add(acknowledged);
    };
    // Every millisecond, hand over the records due by now: a steady rate, not bursts once a second.
    const paced = async (count: number, measured: boolean): Promise<number> => {
      const started = now();
      let handed = 0;
      while (handed < count) {
        throwIfReceiveFailed();
        if (publishFailure !== undefined) throw publishFailure.error;
        const due = Math.min(count, Math.floor(((now() - started) / 1000) * settings.rate));
        for (; handed < due; handed++) publish(measured);
        await sleep(1);
      }
      return (now() - started) / 1000;
    };
    await paced(Math.round(settings.rate * settings.warmUpS), false);
    stagesBefore = brokerMetrics === undefined ? undefined : await scrapeStages(brokerMetrics).catch((error: unknown) => void progress(`No stage breakdown: ${(error as Error).message}`));
    measuredFrom = now();
    stopProgress = startProgress(window, progress);
    publishSeconds = await paced(total, true);
    sent = total;
    await Promise.all(pending);
    if (publishFailure !== undefined) throw publishFailure.error;
    await Promise.race([everythingReceived, receiving, drainTimeout()]);
    throwIfReceiveFailed();
    if (stagesBefore !== undefined && brokerMetrics !== undefined) {
      const stagesAfter = await scrapeStages(brokerMetrics).catch((error: unknown) => void progress(`No stage breakdown: ${(error as Error).message}`));
      if (stagesAfter !== undefined) stages = stagesBetween(stagesBefore, stagesAfter);
    }
    if (received < total) progress(`${total - received} of ${total} records did not arrive within ${settings.drainTimeoutMs} ms (--timeout-ms).`);
  } finally {
    stopProgress?.();
    await Promise.all([producer.disconnect(), consumer.disconnect()]);
    await receiving;
  }
  const achievedRate = sent / publishSeconds;
  return {
    benchmark: 'e2e',
    topic,
    records: received,
    bytes: receivedBytes,
    seconds: publishSeconds,
    recordsPerSec: received / publishSeconds,
    mbPerSec: receivedBytes / publishSeconds / 1e6,
    latencyMs: latency.summary(),
    rate: settings.rate,
    achievedRate,
    sent,
    warmUpS: settings.warmUpS,
    missing: Math.max(0, sent - received),
    recordSize: settings.recordSize,
    ackLatencyMs: ackLatency.summary(),
    ...(stages === undefined ? {} : { stages }),
  };
}
