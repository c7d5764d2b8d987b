import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { QuillError, type Quill } from '@quill/client';
import { benchConsume } from './consume.js';
import { clientFigures, comparePhase, type ClientFigures, type KafkaBenchReport, type SizeComparison, type SizeRun } from './kafka-report.js';
import { kcatConsumerArgs, kcatProducerArgs, kcatVersion, timeKcat, ValueSizeCounter, writeRecordFile } from './kcat.js';
import { randomPayload } from './plan.js';
import { benchProduce } from './produce.js';
import { benchClient, ensureTopic, type BenchTarget } from './target.js';

export interface KafkaBenchSettings {
  /** Prefix of the topics: each size and client gets one of its own. */
  topic: string;
  runs: readonly SizeRun[];
  partitions: number;
  replicationFactor: number;
  batchSize: number;
  lingerMs: number;
  /** Both producers idempotent (Quill's default), or neither (librdkafka's). */
  idempotent: boolean;
  /** Our consumer stops when no record arrived for this long. */
  idleTimeoutMs: number;
  /** The kcat executable. */
  kcat: string;
}

/** Producers in flight per broker: Quill's producer default, as librdkafka's max.in.flight allows. */
const MAX_IN_FLIGHT = 5;

/**
 * Quill's own producer and consumer (the code of `bench produce` and `bench consume`) against
 * kcat through the brokers' Kafka listener, on the same cluster, alternating at each record
 * size: our producer, then kcat sending as many records with the same batching, acks=all and
 * idempotence setting; then our consumer and kcat each reading kcat's topic from the start to its end.
 * Every kcat figure is checked: the high watermarks grew by what it sent, it read all there was.
 */
export async function benchKafka(target: BenchTarget, settings: KafkaBenchSettings, progress: (line: string) => void): Promise<KafkaBenchReport> {
  const version = kcatVersion(settings.kcat);
  const kafkaBootstrap = target.kafkaBootstrap;
  if (kafkaBootstrap === undefined || kafkaBootstrap === '') {
    throw new QuillError('INVALID_CONFIG', 'bench kafka needs the brokers\' Kafka listeners: give --kafka-bootstrap with --bootstrap, or use --start-cluster.');
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-bench-kafka-'));
  const quill = benchClient(target);
  const sizes: SizeComparison[] = [];
  try {
    for (const run of settings.runs) {
      const value = randomPayload(run.recordSize);
      const file = writeRecordFile(dir, value, run.records);
      const quillTopic = `${settings.topic}-${run.recordSize}b-quill`;
      const kcatTopic = `${settings.topic}-${run.recordSize}b-kcat`;

      progress(`${run.recordSize} B: Quill's producer, ${run.records} records to ${quillTopic}.`);
      const produced = await benchProduce(
        target,
        {
          topic: quillTopic,
          records: run.records,
          recordSize: run.recordSize,
          partitions: settings.partitions,
          replicationFactor: settings.replicationFactor,
          acks: -1,
          producers: 1,
          batchSize: settings.batchSize,
          lingerMs: settings.lingerMs,
          compression: 'none',
          maxInFlight: MAX_IN_FLIGHT,
          durationS: undefined,
          idempotent: settings.idempotent,
        },
        progress,
      );

      progress(`${run.recordSize} B: kcat's producer, ${run.records} records to ${kcatTopic}.`);
      await ensureTopic(quill, kcatTopic, settings.partitions, settings.replicationFactor, progress);
      const before = await highWatermarkSum(quill, kcatTopic);
      const kcatSeconds = await timeKcat(settings.kcat, kcatProducerArgs(kafkaBootstrap, kcatTopic, file, settings));
      const grew = (await highWatermarkSum(quill, kcatTopic)) - before;
      if (grew !== run.records) throw new QuillError('UNKNOWN_SERVER_ERROR', `kcat sent ${run.records} records to ${kcatTopic} but its high watermarks grew by ${grew}.`);
      const kcatProduced = clientFigures(run.records, run.records * run.recordSize, kcatSeconds);

      progress(`${run.recordSize} B: Quill's consumer reading ${kcatTopic}.`);
      const consumed = await benchConsume(target, { topic: kcatTopic, records: undefined, consumers: 1, idleTimeoutMs: settings.idleTimeoutMs }, progress);
      if (!consumed.complete) throw new QuillError('UNKNOWN_SERVER_ERROR', `Quill's consumer read ${consumed.records} of the ${consumed.expected} records of ${kcatTopic}.`);

      progress(`${run.recordSize} B: kcat's consumer reading ${kcatTopic}.`);
      const held = await recordsHeld(quill, kcatTopic);
      const counter = new ValueSizeCounter();
      const readSeconds = await timeKcat(settings.kcat, kcatConsumerArgs(kafkaBootstrap, kcatTopic), (text) => counter.add(text));
      if (counter.records !== held) throw new QuillError('UNKNOWN_SERVER_ERROR', `kcat read ${counter.records} of the ${held} records of ${kcatTopic}.`);
      const kcatConsumed = clientFigures(counter.records, counter.bytes, readSeconds);

      sizes.push({
        recordSize: run.recordSize,
        records: run.records,
        produce: comparePhase(figuresOf(produced), kcatProduced),
        consume: comparePhase(figuresOf(consumed), kcatConsumed),
      });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return {
    benchmark: 'kafka',
    partitions: settings.partitions,
    replicationFactor: settings.replicationFactor,
    acks: 'all',
    batchSize: settings.batchSize,
    lingerMs: settings.lingerMs,
    compression: 'none',
    idempotent: settings.idempotent,
    kcatVersion: version,
    sizes,
  };
}

function figuresOf(report: ClientFigures): ClientFigures {
  return clientFigures(report.records, report.bytes, report.seconds);
}

async function withAdmin<T>(quill: Quill, use: (admin: ReturnType<Quill['admin']>) => Promise<T>): Promise<T> {
  const admin = quill.admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

async function highWatermarkSum(quill: Quill, topic: string): Promise<number> {
  return withAdmin(quill, async (admin) => (await admin.fetchTopicOffsets(topic)).reduce((sum, o) => sum + o.high, 0));
}

async function recordsHeld(quill: Quill, topic: string): Promise<number> {
  return withAdmin(quill, async (admin) => (await admin.fetchTopicOffsets(topic)).reduce((sum, o) => sum + (o.high - o.low), 0));
}
