import type { MetadataState } from '@quill/metadata';
import { Counter, Gauge, Histogram, Registry } from '@quill/metrics';
import type { Group } from '../group-coordinator/group.js';
import type { TopicTrafficTotals } from '../replica-manager/topic-traffic.js';
import { LATENCY_STAGES, type LatencyStage, type LatencyStages } from '../latency/latency-stages.js';
import { groupSamples, type GroupSamples } from './group-samples.js';
import { partitionSamples, type ReplicaView } from './partition-samples.js';
import { partitionRefKey, type PartitionRef } from './remote-high-watermarks.js';

/** Where the scrape-time gauges read the broker's state. */
export interface BrokerMetricsSources {
  replicas: () => Iterable<ReplicaView>;
  metadata: () => MetadataState | undefined;
  groups: () => Iterable<Group>;
  purgatorySizes: () => { produce: number; fetch: number; deleteRecords: number };
  /** Open client connections per listener (the Kafka one absent when the broker has none). */
  connections: () => Promise<Partial<Record<Listener, number>>>;
  isrChanges: () => { shrinks: number; expands: number };
  traffic: () => Iterable<[string, TopicTrafficTotals]>;
  /** High watermarks, by partitionRefKey, of committed partitions this broker hosts no replica of. */
  remoteHighWatermarks: (partitions: readonly PartitionRef[]) => Promise<Map<string, number>>;
}

export type Listener = 'grpc' | 'kafka';

/** Request latency buckets in seconds: sub-millisecond reads up to long polls of several seconds. */
const REQUEST_DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** fdatasync rounds: tens of microseconds on a fast SSD up to a second on a struggling disk. */
const FLUSH_DURATION_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

/** Latency stages: tens of microseconds (an append) up to the replica lag limit, finely below 10 ms where the e2e budget is. */
const LATENCY_STAGE_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 10];

/**
 * One broker's metrics in a registry of its own. Counters and the latency histogram are updated
 * as requests run; the partition, group and purgatory gauges are computed when scraped, so the
 * hot paths pay nothing for them. Labels are bounded: API names, topics, partitions, groups.
 */
export class BrokerMetrics implements LatencyStages {
  readonly registry = new Registry();
  private readonly stageDuration: Histogram<'stage'>;
  private readonly stageChildren = new Map<LatencyStage, { observe(seconds: number): void }>();
  private readonly requestDuration: Histogram<'api' | 'listener'>;
  private readonly flushDuration: Histogram;
  private readonly openStreams: Gauge<'api'>;

  constructor(sources: BrokerMetricsSources) {
    const registers = [this.registry];
    this.requestDuration = new Histogram({ name: 'quill_request_duration_seconds', help: 'Time to answer a request, by API and listener', labelNames: ['api', 'listener'], buckets: REQUEST_DURATION_BUCKETS, registers });
    this.openStreams = new Gauge({ name: 'quill_grpc_open_streams', help: 'Open gRPC streams by method: fetch sessions of consumers (FetchStream) and followers (ReplicaFetchStream), and others', labelNames: ['api'], registers });
    this.stageDuration = new Histogram({
      name: 'quill_latency_stage_seconds',
      help: `Time of each stage of a record's way from producer to consumer this broker can see: ${Object.entries(LATENCY_STAGES).map(([stage, what]) => `${stage} (${what})`).join('; ')}`,
      labelNames: ['stage'],
      buckets: LATENCY_STAGE_BUCKETS,
      registers,
    });
    for (const stage of Object.keys(LATENCY_STAGES) as LatencyStage[]) this.stageChildren.set(stage, this.stageDuration.labels(stage));
    this.flushDuration = new Histogram({ name: 'quill_log_flush_duration_seconds', help: 'Time of one group-commit round syncing every log with new data', buckets: FLUSH_DURATION_BUCKETS, registers });
    const perTopic = (name: string, help: string, value: (t: TopicTrafficTotals) => number): void => {
      new Counter({
        name, help, labelNames: ['topic'], registers,
        collect() {
          this.reset();
          for (const [topic, totals] of sources.traffic()) this.inc({ topic }, value(totals));
        },
      });
    };
    perTopic('quill_topic_bytes_in_total', 'Record batch bytes producers appended to partitions this broker leads, per topic', (t) => t.bytesIn);
    perTopic('quill_topic_records_in_total', 'Records producers appended to partitions this broker leads, per topic', (t) => t.recordsIn);
    perTopic('quill_topic_bytes_out_total', 'Record batch bytes sent to consumers, per topic', (t) => t.bytesOut);
    new Counter({ name: 'quill_isr_shrinks_total', help: 'ISR shrinks the controller accepted from this broker as leader', registers, collect() { this.reset(); this.inc(sources.isrChanges().shrinks); } });
    new Counter({ name: 'quill_isr_expands_total', help: 'ISR expansions the controller accepted from this broker as leader', registers, collect() { this.reset(); this.inc(sources.isrChanges().expands); } });

    let samples = partitionSamples([], undefined);
    const refresh = (): void => {
      samples = partitionSamples(sources.replicas(), sources.metadata());
    };
    // The first partition gauge scraped refreshes the samples the others then read.
    new Gauge({ name: 'quill_partitions', help: 'Replicas this broker hosts', registers, collect() { refresh(); this.set(samples.partitions); } });
    new Gauge({ name: 'quill_leader_partitions', help: 'Partitions this broker leads', registers, collect() { this.set(samples.leaders); } });
    new Gauge({ name: 'quill_under_replicated_partitions', help: 'Partitions this broker leads whose ISR is smaller than their replica set', registers, collect() { this.set(samples.underReplicated); } });
    new Gauge({ name: 'quill_offline_partitions', help: 'Partitions of the cluster without a leader, as this broker sees the metadata', registers, collect() { this.set(samples.offline); } });
    const perReplica = (name: string, help: string, value: (r: ReplicaView) => number): void => {
      new Gauge({
        name, help, labelNames: ['topic', 'partition'], registers,
        collect() {
          this.reset();
          for (const r of samples.perReplica) this.set({ topic: r.topic, partition: String(r.index) }, value(r));
        },
      });
    };
    perReplica('quill_log_end_offset', 'Log end offset of each hosted replica', (r) => r.logEndOffset);
    perReplica('quill_log_start_offset', 'Log start offset of each hosted replica', (r) => r.logStartOffset);
    perReplica('quill_high_watermark', 'High watermark of each hosted replica', (r) => r.highWatermark);
    perReplica('quill_log_size_bytes', 'Bytes on disk of each hosted replica', (r) => r.sizeBytes);

    // The first group gauge scraped starts the group samples (which may ask other brokers for high
    // watermarks); every group gauge of the scrape awaits the same samples.
    let groups: Promise<GroupSamples> = Promise.resolve(groupSamples([], () => undefined));
    const sampleGroups = async (): Promise<GroupSamples> => {
      const hw = new Map<string, number>();
      for (const r of samples.perReplica) hw.set(partitionRefKey(r.topic, r.index), r.highWatermark);
      const coordinated = [...sources.groups()];
      const missing = new Map<string, PartitionRef>();
      for (const group of coordinated) {
        for (const { topic, partition } of group.offsets.values()) {
          const key = partitionRefKey(topic, partition);
          if (!hw.has(key)) missing.set(key, { topic, partition });
        }
      }
      if (missing.size > 0) for (const [key, offset] of await sources.remoteHighWatermarks([...missing.values()])) hw.set(key, offset);
      return groupSamples(coordinated, (topic, partition) => hw.get(partitionRefKey(topic, partition)));
    };
    new Gauge({
      name: 'quill_consumer_group_members', help: 'Members of each group this broker coordinates', labelNames: ['group'], registers,
      async collect() {
        groups = sampleGroups();
        const { groups: described } = await groups;
        this.reset();
        for (const g of described) this.set({ group: g.group }, g.members);
      },
    });
    new Gauge({
      name: 'quill_consumer_group_state', help: 'Each coordinated group: 1 on its current state', labelNames: ['group', 'state'], registers,
      async collect() {
        const { groups: described } = await groups;
        this.reset();
        for (const g of described) this.set({ group: g.group, state: g.state }, 1);
      },
    });
    new Gauge({
      name: 'quill_consumer_group_lag', help: 'High watermark less the committed offset, per group and partition', labelNames: ['group', 'topic', 'partition'], registers,
      async collect() {
        const { lags } = await groups;
        this.reset();
        for (const l of lags) this.set({ group: l.group, topic: l.topic, partition: String(l.partition) }, l.lag);
      },
    });
    new Gauge({
      name: 'quill_purgatory_size', help: 'Requests waiting in each purgatory', labelNames: ['purgatory'], registers,
      collect() {
        const sizes = sources.purgatorySizes();
        this.set({ purgatory: 'produce' }, sizes.produce);
        this.set({ purgatory: 'fetch' }, sizes.fetch);
        this.set({ purgatory: 'delete_records' }, sizes.deleteRecords);
      },
    });
    new Gauge({
      name: 'quill_connections', help: 'Open client connections on each listener', labelNames: ['listener'], registers,
      async collect() {
        const open = await sources.connections();
        this.reset();
        for (const [listener, count] of Object.entries(open)) this.set({ listener }, count);
      },
    });
  }

  streamOpened(api: string): void {
    this.openStreams.inc({ api });
  }

  streamClosed(api: string): void {
    this.openStreams.dec({ api });
  }

  observeFlush(seconds: number, queuedSeconds?: number): void {
    this.flushDuration.observe(seconds);
    if (queuedSeconds !== undefined) this.observe('flush_queue_wait', queuedSeconds);
  }

  observe(stage: LatencyStage, seconds: number): void {
    this.stageChildren.get(stage)!.observe(seconds);
  }

  observeRequest(api: string, listener: Listener, seconds: number): void {
    this.requestDuration.observe({ api, listener }, seconds);
  }
}
