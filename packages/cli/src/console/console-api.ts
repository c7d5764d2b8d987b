import { ConfigResourceTypes, QuillError, type Admin, type ConsumedMessage, type MessageHeaders, type Producer, type Quill } from '@quill/client';
import type { BrowseRequest } from './browse-request.js';
import type { ConsoleLimits } from './console-config.js';
import { showBytes, type ShownBytes } from './shown-bytes.js';

/** A message as the browser shows it. */
export interface BrowsedMessage {
  partition: number;
  offset: number;
  timestamp: number;
  key: ShownBytes;
  value: ShownBytes;
  headers: Array<{ name: string; value: ShownBytes }>;
}

/** A message produced from the page: text key, value and headers. */
export interface ProduceRequest {
  topic: string;
  partition?: number;
  key?: string | null;
  value: string | null;
  headers?: Record<string, string>;
}

/**
 * What the console's pages show, read through the SDK (one admin and one producer for the
 * server's life; a short-lived consumer per browse).
 */
export class ConsoleApi {
  private readonly admin: Admin;
  /** Connected on the first produce, kept for the server's life. */
  private producer: Promise<Producer> | undefined;

  constructor(
    private readonly quill: Quill,
    private readonly limits: ConsoleLimits,
  ) {
    this.admin = quill.admin();
  }

  async connect(): Promise<void> {
    await this.admin.connect();
  }

  async close(): Promise<void> {
    await Promise.all([this.admin.disconnect(), this.producer?.then((p) => p.disconnect(), () => undefined)]);
  }

  /** The registered brokers with their state and endpoints, the cluster id and the active controller. */
  async brokers() {
    const [cluster, brokers] = await Promise.all([this.admin.describeCluster(), this.admin.describeBrokers()]);
    return { clusterId: cluster.clusterId, controller: cluster.controller, brokers: [...brokers].sort((a, b) => a.nodeId - b.nodeId) };
  }

  async quorum() {
    return this.admin.describeMetadataQuorum();
  }

  /** Every topic with each partition's leader, replicas, ISR, and log start and end offsets. */
  async topics() {
    const { topics } = await this.admin.fetchTopicMetadata();
    const described = await Promise.all(
      topics.map(async (topic) => {
        const offsets = await this.admin.fetchTopicOffsets(topic.name);
        const byPartition = new Map(offsets.map((o) => [o.partition, o]));
        const partitions = [...topic.partitions]
          .sort((a, b) => a.partitionId - b.partitionId)
          .map((p) => ({
            partition: p.partitionId,
            leader: p.leader,
            replicas: p.replicas,
            isr: p.isr,
            offlineReplicas: p.offlineReplicas,
            low: byPartition.get(p.partitionId)?.low ?? -1,
            high: byPartition.get(p.partitionId)?.high ?? -1,
          }));
        return { name: topic.name, partitions };
      }),
    );
    return described.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Every group with its members, their assignment, and the committed offset and lag of each partition. */
  async groups() {
    const { groups } = await this.admin.listGroups();
    if (groups.length === 0) return [];
    const ids = groups.map((g) => g.groupId).sort();
    const { groups: described } = await this.admin.describeGroups(ids);
    return Promise.all(
      described.map(async (group) => ({
        groupId: group.groupId,
        state: group.state,
        protocol: group.protocol,
        members: group.members.map((m) => ({ memberId: m.memberId, clientId: m.clientId, clientHost: m.clientHost, assignment: m.assignment })),
        offsets: (await this.admin.fetchOffsets({ groupId: group.groupId })).flatMap(({ topic, partitions }) =>
          partitions.map((p) => ({ topic, partition: p.partition, offset: p.offset, high: p.high, lag: p.lag })),
        ),
      })),
    );
  }

  async configs(kind: 'topic' | 'broker', name: string) {
    const type = kind === 'topic' ? ConfigResourceTypes.TOPIC : ConfigResourceTypes.BROKER;
    const { resources } = await this.admin.describeConfigs({ resources: [{ type, name }] });
    return [...(resources[0]?.configEntries ?? [])].sort((a, b) => a.configName.localeCompare(b.configName));
  }

  /**
   * Up to `limit` messages of one partition from an offset or a time, never past the high
   * watermark read first; the consumer fetches a bounded number of bytes at a time and each
   * key, value and header is cut to what is shown.
   */
  async browse(request: BrowseRequest): Promise<{ messages: BrowsedMessage[]; low: number; high: number }> {
    const { topic, partition, limit } = request;
    // Asked first: offsets of a topic that does not exist are retried as if it were being created.
    if (!(await this.admin.listTopics()).includes(topic)) throw new QuillError('UNKNOWN_TOPIC_OR_PARTITION', `There is no topic '${topic}'.`);
    const ends = (await this.admin.fetchTopicOffsets(topic)).find((o) => o.partition === partition);
    if (ends === undefined) throw new QuillError('UNKNOWN_TOPIC_OR_PARTITION', `Topic '${topic}' has no partition ${partition}.`);
    const from = 'offset' in request.start ? request.start.offset : await this.offsetAtTime(topic, partition, request.start.timestamp, ends.high);
    const start = Math.max(from, ends.low);
    if (start >= ends.high) return { messages: [], low: ends.low, high: ends.high };
    const last = Math.min(ends.high, start + limit) - 1;
    const consumer = this.quill.consumer({ autoOffsetReset: 'earliest', maxBytesPerPartition: this.limits.browseFetchBytes, maxBytes: this.limits.browseFetchBytes });
    await consumer.connect();
    const messages: BrowsedMessage[] = [];
    // Disconnecting ends the iteration below: on the last wanted offset, or when time is up.
    let stopped: Promise<void> | undefined;
    const stop = (): Promise<void> => (stopped ??= consumer.disconnect());
    const timer = setTimeout(() => void stop(), this.limits.browseTimeoutMs);
    try {
      consumer.assign([{ topic, partition, offset: start }]);
      for await (const message of consumer.messages()) {
        if (message.offset > last) break;
        messages.push(this.shown(message));
        if (message.offset >= last || messages.length >= limit) break;
      }
    } finally {
      clearTimeout(timer);
      await stop();
    }
    return { messages, low: ends.low, high: ends.high };
  }

  async produce(request: ProduceRequest) {
    this.producer ??= this.connectedProducer();
    const producer = await this.producer;
    const headers: MessageHeaders = { ...(request.headers ?? {}) };
    const [sent] = await producer.send({
      topic: request.topic,
      messages: [{ key: request.key ?? null, value: request.value, headers, ...(request.partition === undefined ? {} : { partition: request.partition }) }],
    });
    return { partition: sent?.partition, offset: sent?.baseOffset };
  }

  private async connectedProducer(): Promise<Producer> {
    const producer = this.quill.producer();
    try {
      await producer.connect();
      return producer;
    } catch (error) {
      // The next produce tries again with a new producer.
      this.producer = undefined;
      throw error;
    }
  }

  private async offsetAtTime(topic: string, partition: number, timestamp: number, high: number): Promise<number> {
    const found = (await this.admin.fetchTopicOffsetsByTimestamp(topic, timestamp)).find((o) => o.partition === partition);
    // No record at or after the time: nothing to show, so start at the end.
    return found === undefined || found.offset < 0 ? high : found.offset;
  }

  private shown(message: ConsumedMessage): BrowsedMessage {
    const limit = this.limits.maxShownBytes;
    return {
      partition: message.partition,
      offset: message.offset,
      timestamp: message.timestamp,
      key: showBytes(message.key, limit),
      value: showBytes(message.value, limit),
      headers: Object.entries(message.headers).flatMap(([name, value]) =>
        (Array.isArray(value) ? value : [value]).map((v) => ({ name, value: showBytes(v, limit) })),
      ),
    };
  }
}
