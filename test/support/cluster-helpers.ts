import type { Admin, ConsumedMessage, Quill, QuillConfig } from '@quill/client';
import { createServiceClient, type MetadataResponse__Output } from '@quill/proto';
import { eventually } from '@quill/test-support';
import type { ProcessCluster } from '@quill/testing';

/** The partition as metadata says now (leader, epoch, ISR), refreshed from a broker. */
export async function describePartition(admin: Admin, topic: string, partition: number) {
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  const found = metadata.topics[0]?.partitions.find((p) => p.partitionId === partition);
  if (found === undefined) throw new Error(`no metadata for ${topic}-${partition}`);
  return found;
}

/** Creates a topic and waits until every partition of it has all `replicationFactor` replicas in its ISR. */
export async function createTopicWithFullIsr(admin: Admin, topic: string, numPartitions: number, replicationFactor: number): Promise<void> {
  await admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor }] });
  for (let p = 0; p < numPartitions; p++) {
    await eventually(async () => (await describePartition(admin, topic, p)).isr.length === replicationFactor, { timeoutMs: 20_000, intervalMs: 50, description: `a full ISR of partition ${p}` });
  }
}

/** The first `count` messages of partitions 0..`partitions`-1 of a topic, read from the start. */
export async function readTopic(quill: Quill, topic: string, partitions: number, count: number): Promise<ConsumedMessage[]> {
  const consumer = quill.consumer();
  await consumer.connect();
  consumer.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition, offset: 'earliest' as const })));
  const read: ConsumedMessage[] = [];
  try {
    for await (const m of consumer.messages()) {
      read.push(m);
      if (read.length >= count) break;
    }
  } finally {
    await consumer.disconnect();
  }
  return read;
}

/** Reads a partition from the start up to its current end; returns value by offset. */
export async function readPartition(quill: Quill, topic: string, partition: number, endOffset: number): Promise<Map<number, string>> {
  const values = new Map<number, string>();
  if (endOffset === 0) return values;
  const consumer = quill.consumer();
  await consumer.connect();
  consumer.assign([{ topic, partition, offset: 'earliest' }]);
  try {
    for await (const message of consumer.messages()) {
      values.set(message.offset, message.value?.toString() ?? '');
      if (message.offset >= endOffset - 1) break;
    }
  } finally {
    await consumer.disconnect();
  }
  return values;
}

/** Asks one broker (not the cluster) for the brokers it lists as live (unfenced). */
function liveBrokersSeenBy(address: string): Promise<number[]> {
  const broker = createServiceClient('Broker', address);
  return new Promise<MetadataResponse__Output>((resolve, reject) =>
    broker.Metadata({ topics: [] }, { deadline: Date.now() + 2_000 }, (error, response) => (error !== null || response === undefined ? reject(error ?? new Error('empty response')) : resolve(response))),
  )
    .then((response) => response.brokers.map((b) => b.brokerId))
    .finally(() => broker.close());
}

/**
 * A client of the brokers other than `paused` (SIGSTOPped), made once each of them lists the
 * paused ones as fenced: its metadata then names only live brokers, so no request of its waits
 * out its deadline on a stopped process (a client made before the pause rotates onto it).
 */
export async function liveBrokersClient(cluster: ProcessCluster, paused: readonly number[], config: Partial<QuillConfig> = {}): Promise<Quill> {
  const brokerIds = [...cluster.nodes.values()].filter((n) => n.brokerAddress !== undefined).map((n) => n.id);
  const live = brokerIds.filter((id) => !paused.includes(id));
  for (const id of live) {
    await eventually(
      async () => (await liveBrokersSeenBy(cluster.node(id).brokerAddress!)).every((seen) => !paused.includes(seen)),
      { timeoutMs: 30_000, intervalMs: 50, description: `broker ${id} listing brokers ${paused.join(', ')} as fenced` },
    );
  }
  // `bootstrap` lists what the test dials for each broker, in broker id order.
  return cluster.client({ brokers: live.map((id) => cluster.bootstrap[brokerIds.indexOf(id)]!), ...config });
}
