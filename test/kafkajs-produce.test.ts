import type { Quill } from '@quill/client';
import { compress, decompress, type CompressionType } from '@quill/records';
import { startCluster, type TestCluster } from '@quill/testing';
import { CompressionCodecs, CompressionTypes, Kafka, Partitioners, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTopicWithFullIsr, readTopic } from './support/cluster-helpers.js';

// KafkaJS 2.2.4, a client no one here wrote, produces through every broker's Kafka listener;
// what it wrote is read back through our gRPC SDK and must be the same records.

const TOPIC = 'kafkajs-produce';
const PARTITIONS = 6;
/** Records per compression; keys spread them over the partitions. */
const PER_COMPRESSION = 40;
const BASE_TIMESTAMP = 1_700_000_000_000;

/** A KafkaJS codec over the compression our records package uses (KafkaJS has only GZIP built in). */
function codec(type: CompressionType) {
  return () => ({
    compress: async (encoder: { buffer: Buffer }) => compress(type, encoder.buffer),
    decompress: async (buffer: Buffer) => decompress(type, buffer),
  });
}
CompressionCodecs[CompressionTypes.Snappy] = codec('snappy');
CompressionCodecs[CompressionTypes.LZ4] = codec('lz4');
CompressionCodecs[CompressionTypes.ZSTD] = codec('zstd');

/** One record as sent through KafkaJS or read back through the SDK (header: the value of header 'h'). */
interface RecordSeen {
  key: string;
  value: string;
  header: string;
  timestamp: number;
  partition: number;
}

/** Every record of the topic, read with our SDK until `count` arrived. */
async function readAll(quill: Quill, count: number): Promise<RecordSeen[]> {
  return (await readTopic(quill, TOPIC, PARTITIONS, count)).map((m) => {
    const header = m.headers['h'];
    return { key: m.key?.toString() ?? '', value: m.value?.toString() ?? '', header: Buffer.isBuffer(header) ? header.toString() : '', timestamp: m.timestamp, partition: m.partition };
  });
}

const byKey = (a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key);

describe('KafkaJS 2.2.4 producing through the Kafka listener', () => {
  let cluster: TestCluster;
  let quill: Quill;
  let kafka: Kafka;
  const producers: Producer[] = [];
  const sent: RecordSeen[] = [];

  beforeAll(async () => {
    cluster = await startCluster({ brokers: 3, controllers: 1 });
    quill = cluster.client();
    const admin = quill.admin();
    await admin.connect();
    await createTopicWithFullIsr(admin, TOPIC, PARTITIONS, 3);
    await admin.disconnect();
    kafka = new Kafka({ clientId: 'kafkajs-produce-test', brokers: cluster.kafkaBootstrap, logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 50 } });
  });

  afterAll(async () => {
    for (const producer of producers) await producer.disconnect();
    await cluster?.stop();
  });

  const producer = async (options: Parameters<Kafka['producer']>[0] = {}): Promise<Producer> => {
    const created = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, ...options });
    producers.push(created);
    await created.connect();
    return created;
  };

  /** Sends PER_COMPRESSION keyed records with `compression`, one batch per partition, and remembers where each landed. */
  const sendAll = async (target: Producer, label: string, compression: CompressionTypes, acks?: number): Promise<void> => {
    const records = Array.from({ length: PER_COMPRESSION }, (_, i) => ({
      key: `${label}-key-${i}`,
      value: `${label} value ${i} ${'x'.repeat(i * 7)}`,
      header: `${label}-h-${i}`,
      timestamp: BASE_TIMESTAMP + sent.length + i,
    }));
    const metadata = await target.send({
      topic: TOPIC,
      compression,
      ...(acks === undefined ? {} : { acks }),
      messages: records.map((r) => ({ key: r.key, value: r.value, headers: { h: r.header }, timestamp: String(r.timestamp) })),
    });
    if (acks !== 0) expect(metadata.every((m) => m.errorCode === 0)).toBe(true);
    const partitioner = Partitioners.DefaultPartitioner();
    const partitionMetadata = Array.from({ length: PARTITIONS }, (_, partitionId) => ({ partitionId, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] }));
    for (const r of records) sent.push({ ...r, partition: partitioner({ topic: TOPIC, partitionMetadata, message: { key: r.key, value: r.value } }) });
  };

  it('produces with every compression KafkaJS has (GZIP built in; Snappy, LZ4, ZSTD as codecs) and acks 0, 1 and -1', async () => {
    const plain = await producer();
    await sendAll(plain, 'none', CompressionTypes.None);
    await sendAll(plain, 'gzip', CompressionTypes.GZIP);
    await sendAll(plain, 'snappy', CompressionTypes.Snappy);
    await sendAll(plain, 'lz4', CompressionTypes.LZ4, 1);
    await sendAll(plain, 'zstd', CompressionTypes.ZSTD);
    // acks=0: the broker answers nothing; the records still land.
    await sendAll(plain, 'acks0', CompressionTypes.None, 0);
  });

  it('produces with an idempotent producer (InitProducerId, sequences in the batches)', async () => {
    const idempotent = await producer({ idempotent: true, maxInFlightRequests: 1 });
    await sendAll(idempotent, 'idem-a', CompressionTypes.GZIP);
    await sendAll(idempotent, 'idem-b', CompressionTypes.None);
  });

  it('reads every record back through the gRPC SDK: same keys, values, headers, timestamps, partitions', async () => {
    const read = await readAll(quill, sent.length);
    expect(read.length).toBe(sent.length);
    expect([...read].sort(byKey)).toEqual([...sent].sort(byKey));
  });

  it("puts keys on the same partitions as our SDK's producer (both murmur2, as Java's default partitioner)", async () => {
    const ours = quill.producer();
    await ours.connect();
    const kafkajs = await producer();
    try {
      for (let i = 0; i < 24; i++) {
        const key = `placement-${i}`;
        const [viaSdk] = await ours.send({ topic: TOPIC, messages: [{ key, value: 'sdk' }] });
        const [viaKafkaJs] = await kafkajs.send({ topic: TOPIC, messages: [{ key, value: 'kafkajs' }] });
        expect(viaKafkaJs!.partition, key).toBe(viaSdk!.partition);
      }
    } finally {
      await ours.disconnect();
    }
  });
});
