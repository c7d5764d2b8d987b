import fs from 'node:fs';
import path from 'node:path';
import type { Quill } from '@quill/client';
import { createServiceClient, type BrokerClient, type FetchResponse__Output, type IncrementalAlterConfigsResponse__Output } from '@quill/proto';
import { readBatchHeader, type BatchHeader } from '@quill/records';
import { eventually } from '@quill/test-support';
import { startCluster, type TestCluster } from '@quill/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Topic configs at runtime on a live broker: a retention change shrinks an open log on disk
// without a restart, compression.type=zstd makes stored batches zstd, and LogAppendTime stamps
// the broker's time.

let cluster: TestCluster;
let quill: Quill;
let broker: BrokerClient;

beforeAll(async () => {
  cluster = await startCluster({ brokers: 1, controllers: 1 });
  quill = cluster.client();
  broker = createServiceClient('Broker', cluster.bootstrap[0]!);
}, 60_000);

afterAll(async () => {
  broker?.close();
  await cluster?.stop();
});

async function createTopic(topic: string, configs: Record<string, string>): Promise<void> {
  const admin = quill.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) }] });
  await admin.disconnect();
}

/** One send (so one batch) per message. */
async function produce(topic: string, messages: Array<{ value: string; timestamp?: string }>): Promise<void> {
  const producer = quill.producer();
  await producer.connect();
  for (const message of messages) await producer.send({ topic, acks: -1, messages: [{ ...message, partition: 0 }] });
  await producer.disconnect();
}

function setTopicConfig(topic: string, name: string, value: string): Promise<IncrementalAlterConfigsResponse__Output> {
  return new Promise((resolve, reject) =>
    broker.IncrementalAlterConfigs(
      { resources: [{ resourceType: 'CONFIG_RESOURCE_TYPE_TOPIC', resourceName: topic, configs: [{ name, op: 'ALTER_CONFIG_OP_SET', value }] }] },
      (error, response) => (error !== null || response === undefined ? reject(error) : resolve(response)),
    ),
  );
}

/** The headers of the stored batches a consumer fetch returns from offset 0. */
async function fetchedHeaders(topic: string): Promise<BatchHeader[]> {
  const response = await new Promise<FetchResponse__Output>((resolve, reject) =>
    broker.Fetch(
      { maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, topics: [{ topic, partitions: [{ partition: 0, fetchOffset: 0, currentLeaderEpoch: -1, partitionMaxBytes: 1 << 20 }] }] },
      (error, r) => (error !== null || r === undefined ? reject(error) : resolve(r)),
    ),
  );
  const records = response.topics[0]!.partitions[0]!.records;
  const headers: BatchHeader[] = [];
  for (let position = 0; position < records.length; ) {
    const header = readBatchHeader(records, position);
    headers.push(header);
    position += header.sizeInBytes;
  }
  return headers;
}

/** Bytes of segment files in the broker's directory of `topic`-0. */
function bytesOnDisk(topic: string): number {
  const dir = path.join(cluster.dataDir(1), `${topic}-0`);
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.log'))
    .reduce((sum, name) => sum + fs.statSync(path.join(dir, name)).size, 0);
}

describe('topic configs at runtime', () => {
  it('a lowered retention.bytes shrinks the topic on disk within 10 s, without a restart', async () => {
    await createTopic('shrinking', { 'segment.bytes': '1024' });
    await produce('shrinking', Array.from({ length: 40 }, (_, i) => ({ value: `record-${i}`.padEnd(300, '.') })));
    const before = bytesOnDisk('shrinking');
    expect(before).toBeGreaterThan(10_000);

    const response = await setTopicConfig('shrinking', 'retention.bytes', '2048');
    expect(response.results.map((r) => r.errorCode)).toEqual(['NONE']);
    const after = await eventually(() => bytesOnDisk('shrinking') <= 2048 + 1024 && bytesOnDisk('shrinking'), { timeoutMs: 10_000, intervalMs: 50, description: 'the log shrinking to retention.bytes' });
    expect(after).toBeLessThan(before);
  });

  it('compression.type=zstd stores the batches of an uncompressed producer as zstd', async () => {
    await createTopic('squeezed', { 'compression.type': 'zstd' });
    await produce('squeezed', [{ value: 'a'.repeat(500) }, { value: 'b'.repeat(500) }]);
    const headers = await fetchedHeaders('squeezed');
    expect(headers.length).toBeGreaterThan(0);
    expect(headers.map((h) => h.compression)).toEqual(headers.map(() => 'zstd'));
  });

  it('message.timestamp.type=LogAppendTime stamps broker time over the producer\'s timestamp', async () => {
    await createTopic('stamped', { 'message.timestamp.type': 'LogAppendTime' });
    const sentAt = Date.now();
    await produce('stamped', [{ value: 'v', timestamp: '1000' }]);
    const [header] = await fetchedHeaders('stamped');
    expect(header!.timestampType).toBe('log-append');
    expect(header!.maxTimestamp).toBeGreaterThanOrEqual(sentAt);
    expect(header!.maxTimestamp).toBeLessThanOrEqual(Date.now());
  });
});
