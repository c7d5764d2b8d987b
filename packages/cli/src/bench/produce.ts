import type { Acks, CompressionType } from '@quill/client';
import { BatchAccumulator, type AcknowledgedBatch } from './accumulator.js';
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
  /** Batches each producer has in flight at most. */
  maxInFlight: number;
  /** Stop adding records after this many seconds even if not all were sent (js-pub.mjs's --seconds). */
  durationS: number | undefined;
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
  /** Produce calls made, and records per call: how well the batches filled. */
  sends: number;
  recordsPerSend: number;
}

/** Records handed out between two checks of the clock against --duration (a check per record would cost more than it saves). */
const DEADLINE_CHECK_EVERY = 1024;

/**
 * kafka-producer-perf-test for Quill: `producers` clients (each with its own connections)
 * send `records` records of `recordSize` bytes as fast as the cluster takes them, batched by
 * the benchmark (see BatchAccumulator). Latency is from a record's hand-off to the batcher to
 * the acknowledgement of its batch; the clock stops at the last acknowledgement.
 */
export async function benchProduce(target: BenchTarget, settings: ProduceSettings, progress: (line: string) => void): Promise<ProduceReport> {
  const partitions = await ensureTopic(benchClient(target), settings.topic, settings.partitions, settings.replicationFactor, progress);
  const producers = Array.from({ length: settings.producers }, () => benchClient(target).producer({ allowAutoTopicCreation: false }));
  const now = (): number => performance.now();
  const histogram = new LatencyHistogram();
  const window = new ProgressWindow('sent', true, now);
  let records = 0;
  let bytes = 0;
  let sends = 0;
  const onAcknowledged = (batch: AcknowledgedBatch): void => {
    let sum = 0;
    let max = 0;
    for (const addedAt of batch.addedAt) {
      const latency = batch.acknowledgedAt - addedAt;
      histogram.record(latency);
      sum += latency;
      if (latency > max) max = latency;
    }
    records += batch.records;
    bytes += batch.bytes;
    window.add(batch.records, batch.bytes, sum, max);
  };
  const payload = randomPayload(settings.recordSize);
  const shares = splitEvenly(settings.records, settings.producers);
  let stopProgress: (() => void) | undefined;
  let started = 0;
  let ended = 0;
  try {
    await Promise.all(producers.map((p) => p.connect()));
    // Not measured, as js-pub.mjs's warm-up: one record to every partition from each producer, so
    // connections to every leader and the metadata of a new topic are in place before the clock starts.
    await Promise.all(
      producers.map((producer) =>
        producer.send({ topic: settings.topic, acks: settings.acks, messages: partitions.map((partition) => ({ value: payload, partition })) }),
      ),
    );
    started = now();
    const deadline = settings.durationS === undefined ? Number.POSITIVE_INFINITY : started + settings.durationS * 1000;
    stopProgress = startProgress(window, progress);
    await Promise.all(
      producers.map(async (producer, k) => {
        const accumulator = new BatchAccumulator({
          partitions,
          // Producers start on different partitions, so their first batches do not all go to one leader.
          firstPartitionIndex: Math.floor((k * partitions.length) / settings.producers),
          batchSizeBytes: settings.batchSize,
          lingerMs: settings.lingerMs,
          maxInFlight: settings.maxInFlight,
          now,
          send: async (messages) => {
            await producer.send({ topic: settings.topic, acks: settings.acks, compression: settings.compression, messages });
          },
          onAcknowledged,
        });
        for (let i = 0; i < shares[k]!; i++) {
          if (i % DEADLINE_CHECK_EVERY === 0 && now() >= deadline) break;
          const wait = accumulator.add(payload);
          if (wait !== undefined) await wait;
        }
        await accumulator.flush();
        sends += accumulator.sends;
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
