import { eventually } from '@quill/test-support';
import { startCluster, type TestCluster } from '@quill/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { committedOffsets, producePerPartition } from './support/consumer-cluster.js';

// The group coordinator reports the lag of every partition its groups committed, also of those
// it hosts no replica of: it asks their leaders for the high watermark when scraped.

const TOPIC = 'spread';
const GROUP = 'spread-readers';
const PARTITIONS = 3;
const FIRST = 4;
const BACKLOG = [2, 5, 7];

/** quill_consumer_group_lag samples of GROUP across every broker's /metrics, by partition. */
async function lagByPartition(cluster: TestCluster): Promise<Map<number, number>> {
  const lags = new Map<number, number>();
  for (const url of cluster.metricsUrls) {
    const text = await (await fetch(url)).text();
    const pattern = new RegExp(`^quill_consumer_group_lag\\{group="${GROUP}",topic="${TOPIC}",partition="(\\d+)"\\} (\\d+)$`, 'gm');
    for (const match of text.matchAll(pattern)) lags.set(Number(match[1]), Number(match[2]));
  }
  return lags;
}

describe('consumer group lag metrics', () => {
  let cluster: TestCluster | undefined;
  afterAll(async () => {
    await cluster?.stop();
  });

  it("covers partitions led by other brokers than the group's coordinator", async () => {
    cluster = await startCluster({ brokers: 3, controllers: 1, brokerConfig: { groupInitialRebalanceDelayMs: 0 } });
    const quill = cluster.client();
    const admin = quill.admin();
    await admin.connect();
    // One replica per partition, spread over the brokers: the coordinator hosts at most one of them.
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1 }] });
    const producer = quill.producer();
    await producer.connect();
    await producePerPartition(producer, TOPIC, PARTITIONS, 0, FIRST);

    const consumer = quill.consumer({ groupId: GROUP, maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
    await consumer.run({ autoCommitInterval: 100, eachMessage: async () => undefined });
    await eventually(async () => (await committedOffsets(admin, GROUP, TOPIC)).every((o) => o === FIRST), { timeoutMs: 20_000, intervalMs: 50, description: 'every partition committed' });
    await consumer.disconnect();

    for (let p = 0; p < PARTITIONS; p++) await producer.send({ topic: TOPIC, acks: -1, messages: Array.from({ length: BACKLOG[p]! }, () => ({ partition: p, value: 'later' })) });
    await producer.disconnect();
    await admin.disconnect();

    const expected = new Map(BACKLOG.map((lag, p) => [p, lag]));
    expect(await eventually(async () => {
      const lags = await lagByPartition(cluster!);
      return lags.size === PARTITIONS && [...expected].every(([p, lag]) => lags.get(p) === lag) ? lags : undefined;
    }, { timeoutMs: 10_000, intervalMs: 100, description: 'the lag of every partition' })).toEqual(expected);
  });
});
