import { Metadata } from '@grpc/grpc-js';
import type { Admin, Producer } from '@quill/client';
import { CLIENT_ID_METADATA_KEY, createServiceClient, type FindCoordinatorResponse__Output } from '@quill/proto';

/** The broker coordinating `groupId` now, asked with FindCoordinator (the SDK keeps this internal). */
export async function groupCoordinator(address: string, groupId: string): Promise<number> {
  const client = createServiceClient('Broker', address);
  try {
    const metadata = new Metadata();
    metadata.set(CLIENT_ID_METADATA_KEY, 'consumer-groups-test');
    const response = await new Promise<FindCoordinatorResponse__Output>((resolve, reject) =>
      client.FindCoordinator({ keyType: 'COORDINATOR_TYPE_GROUP', keys: [groupId] }, metadata, { deadline: Date.now() + 10_000 }, (error, answer) =>
        error || !answer ? reject(error ?? new Error('no answer')) : resolve(answer),
      ),
    );
    const found = response.coordinators[0];
    if (!found || found.errorCode !== 'NONE') throw new Error(`no coordinator for ${groupId}: ${found?.errorCode ?? 'no answer'}`);
    return found.nodeId;
  } finally {
    client.close();
  }
}

/** Sends `count` values `p:i` (i from `from`) to each partition, in order. */
export async function producePerPartition(producer: Producer, topic: string, partitions: number, from: number, count: number): Promise<void> {
  for (let p = 0; p < partitions; p++) {
    const messages = Array.from({ length: count }, (_, i) => ({ partition: p, value: `${p}:${from + i}` }));
    await producer.send({ topic, acks: -1, messages });
  }
}

/** The group's committed offset per partition of `topic` (-1 where none). */
export async function committedOffsets(admin: Admin, groupId: string, topic: string): Promise<number[]> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (offsets?.partitions ?? []).sort((a, b) => a.partition - b.partition).map((p) => p.offset);
}
