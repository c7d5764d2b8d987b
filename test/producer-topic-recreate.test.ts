import { credentials } from '@grpc/grpc-js';
import type { Quill } from '@quill/client';
import { GRPC_CHANNEL_OPTIONS, loadQuillPackage, type BrokerClient, type MetadataResponse__Output, type ProduceResponse__Output } from '@quill/proto';
import { encodeBatch } from '@quill/records';
import { eventually } from '@quill/test-support';
import { ProcessCluster } from '@quill/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { describePartition, readPartition } from './support/cluster-helpers.js';

// An idempotent producer's sequence numbers belong to a topic id: after its topic is deleted and
// re-created under the same name, the same producer (its metadata still naming the old topic)
// writes to the new topic from sequence 0, and the new topic holds only what was sent after. A
// Produce naming the deleted topic's id is refused by the broker.

let cluster: ProcessCluster | undefined;
let quill: Quill | undefined;
let broker: BrokerClient | undefined;
afterEach(async () => {
  broker?.close();
  await cluster?.stop();
  cluster = quill = broker = undefined;
});

function call<Res>(method: (done: (error: Error | null, response?: Res) => void) => void): Promise<Res> {
  return new Promise((resolve, reject) => method((error, response) => (error !== null || response === undefined ? reject(error) : resolve(response))));
}

const TOPIC = 't';
const OLD_VALUES = ['old-0', 'old-1', 'old-2'];
const NEW_VALUES = ['new-0', 'new-1', 'new-2'];

describe('an idempotent producer and a re-created topic', () => {
  it('produces to the re-created topic with the same producer, and only the new records land there', async () => {
    cluster = await ProcessCluster.start({ brokers: 1, controllers: 1 });
    quill = cluster.client();
    const Broker = loadQuillPackage().quill.v1.Broker;
    const raw = (broker = new Broker(cluster.node(1).brokerAddress!, credentials.createInsecure(), GRPC_CHANNEL_OPTIONS) as unknown as BrokerClient);
    const topicId = async () => (await call<MetadataResponse__Output>((done) => raw.Metadata({ topics: [TOPIC] }, done))).topics[0]!.topicId;
    const admin = quill.admin();
    await admin.connect();
    const leaderElected = (what: string) => eventually(async () => (await describePartition(admin, TOPIC, 0)).leader >= 0, { timeoutMs: 30_000, intervalMs: 50, description: what });

    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 1 }] });
    await leaderElected('a leader of the old topic');
    const producer = quill.producer();
    await producer.connect();
    for (const value of OLD_VALUES) await producer.send({ topic: TOPIC, acks: -1, messages: [{ value, partition: 0 }] });
    const oldId = await topicId();

    await admin.deleteTopics({ topics: [TOPIC] });
    await eventually(async () => !(await admin.listTopics()).includes(TOPIC), { timeoutMs: 30_000, intervalMs: 50, description: 'the old topic gone' });
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 1 }] });
    await leaderElected('a leader of the new topic');
    expect(await topicId()).not.toBe(oldId);

    for (const value of NEW_VALUES) await producer.send({ topic: TOPIC, acks: -1, messages: [{ value, partition: 0 }] });

    const stale = await call<ProduceResponse__Output>((done) =>
      raw.Produce({ acks: -1, timeoutMs: 5000, topics: [{ name: TOPIC, topicId: oldId, partitions: [{ partition: 0, records: encodeBatch([{ value: 'for-the-old-topic' }]) }] }] }, done),
    );
    expect(stale.topics[0]?.partitions[0]?.errorCode).toBe('INCONSISTENT_TOPIC_ID');

    const [offsets] = await admin.fetchTopicOffsets(TOPIC);
    expect(offsets).toMatchObject({ low: 0, high: NEW_VALUES.length });
    expect([...(await readPartition(quill, TOPIC, 0, NEW_VALUES.length)).values()]).toEqual(NEW_VALUES);
    await producer.disconnect();
    await admin.disconnect();
  });
});
