// A service's first use of Quill, run by test/install-from-tarballs.test.ts inside a fresh npm
// project that installed the packed tarballs: plain JavaScript on plain Node, so it shows the
// packages work without tsx or a TypeScript toolchain. A produce/consume round trip on a cluster
// in this process, then on one of node processes (the installed `quill` CLI's compiled code).
// Prints one JSON line with what it consumed.
import { CompressionTypes, LogLevel, Quill } from '@quill/client';
import { murmur2 } from '@quill/records';
import { startCluster } from '@quill/testing';

const TOPIC = 'installed';
/** One batch per native codec the records package loads. */
const BATCHES = [
  { value: 'one', compression: CompressionTypes.Snappy },
  { value: 'two', compression: CompressionTypes.LZ4 },
  { value: 'three', compression: CompressionTypes.ZSTD },
];

/** Creates a topic, produces BATCHES and consumes them back; returns the values consumed. */
async function roundTrip(processes) {
  const cluster = await startCluster({ brokers: 1, controllers: 1, processes });
  try {
    const quill = new Quill({ clientId: 'installed-service', brokers: cluster.bootstrap, logLevel: LogLevel.ERROR });
    const admin = quill.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 1 }] });
    await admin.disconnect();

    const producer = quill.producer();
    await producer.connect();
    for (const { value, compression } of BATCHES) await producer.send({ topic: TOPIC, compression, messages: [{ key: value, value }] });
    await producer.disconnect();

    const consumer = quill.consumer();
    await consumer.connect();
    consumer.assign([{ topic: TOPIC, partition: 0, offset: 'earliest' }]);
    const consumed = [];
    for await (const message of consumer.messages()) {
      consumed.push(message.value.toString());
      if (consumed.length === BATCHES.length) break;
    }
    await consumer.disconnect();
    return consumed;
  } finally {
    await cluster.stop();
  }
}

const inProcess = await roundTrip(false);
const processes = await roundTrip(true);
process.stdout.write(`${JSON.stringify({ inProcess, processes, murmur2: murmur2(Buffer.from('abc')) })}\n`);
