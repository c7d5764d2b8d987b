import type { ChannelCredentials } from '@grpc/grpc-js';
import { createServiceClient, type BrokerClient, type ListOffsetsResponse__Output } from '@quill/proto';

/** How long a scrape waits for another broker's high watermarks before leaving its partitions out. */
export const REMOTE_HIGH_WATERMARK_TIMEOUT_MS = 500;

/** ListOffsets' "latest": the high watermark. */
const LATEST = -1;

export interface PartitionRef {
  topic: string;
  partition: number;
}

/** `topic\0partition`, the key of high watermarks by partition. */
export const partitionRefKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/**
 * High watermarks of partitions this broker hosts no replica of, asked of their leaders with one
 * ListOffsets per leader, so a coordinator reports the lag of every partition its groups
 * committed. A leader that does not answer within `timeoutMs` leaves its partitions out of this
 * scrape. One gRPC client per leader address, kept until `close`.
 */
export class RemoteHighWatermarks {
  private readonly clients = new Map<string, BrokerClient>();

  constructor(
    /** host:port of the partition's leader, undefined when it has none or it is this broker. */
    private readonly leaderAddress: (topic: string, partition: number) => string | undefined,
    private readonly timeoutMs: number,
    /** The credentials of each new channel (TLS with the broker's certificate on a secure cluster). */
    private readonly credentials?: () => ChannelCredentials,
  ) {}

  async fetch(partitions: readonly PartitionRef[]): Promise<Map<string, number>> {
    const byAddress = new Map<string, PartitionRef[]>();
    for (const ref of partitions) {
      const address = this.leaderAddress(ref.topic, ref.partition);
      if (address === undefined) continue;
      const list = byAddress.get(address) ?? [];
      list.push(ref);
      byAddress.set(address, list);
    }
    const found = new Map<string, number>();
    await Promise.all(
      [...byAddress].map(async ([address, refs]) => {
        const response = await this.listLatest(address, refs).catch(() => undefined);
        for (const topic of response?.topics ?? []) {
          for (const p of topic.partitions) if (p.errorCode === 'NONE' && p.offset >= 0) found.set(partitionRefKey(topic.name, p.partition), Number(p.offset));
        }
      }),
    );
    return found;
  }

  private listLatest(address: string, refs: readonly PartitionRef[]): Promise<ListOffsetsResponse__Output> {
    let client = this.clients.get(address);
    if (client === undefined) {
      client = createServiceClient('Broker', address, this.credentials === undefined ? {} : { credentials: this.credentials() });
      this.clients.set(address, client);
    }
    const topics = new Map<string, { partition: number; currentLeaderEpoch: number; timestamp: number }[]>();
    for (const ref of refs) {
      const list = topics.get(ref.topic) ?? [];
      list.push({ partition: ref.partition, currentLeaderEpoch: -1, timestamp: LATEST });
      topics.set(ref.topic, list);
    }
    const request = { isolationLevel: 'ISOLATION_LEVEL_READ_UNCOMMITTED' as const, topics: [...topics].map(([name, partitions]) => ({ name, partitions })) };
    return new Promise((resolve, reject) =>
      client.ListOffsets(request, { deadline: Date.now() + this.timeoutMs }, (error, response) => (error || response === undefined ? reject(error ?? new Error('no answer')) : resolve(response))),
    );
  }

  close(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }
}
