import { describe, expect, it } from 'vitest';
import { Group } from '../group-coordinator/group.js';
import { BrokerMetrics } from './broker-metrics.js';
import type { ReplicaView } from './partition-samples.js';

describe('BrokerMetrics', () => {
  it('renders the partition and group gauges from the broker state at scrape time', async () => {
    const replicas: ReplicaView[] = [
      { topic: 'orders', index: 0, isLeader: true, isOffline: false, replicas: [1, 2, 3], isr: [1, 2], logEndOffset: 120, logStartOffset: 0, highWatermark: 100, sizeBytes: 4096 },
    ];
    const group = new Group('billing', 0);
    group.offsets.set('orders\u00000', { topic: 'orders', partition: 0, value: { committedOffset: 30, committedLeaderEpoch: 0, committedMetadata: undefined, commitTimestampMs: 0 } });
    const metrics = new BrokerMetrics({
      replicas: () => replicas,
      metadata: () => undefined,
      groups: () => [group],
      purgatorySizes: () => ({ produce: 2, fetch: 5, deleteRecords: 0 }),
      connections: async () => ({ grpc: 4, kafka: 7 }),
      isrChanges: () => ({ shrinks: 3, expands: 1 }),
      traffic: () => [['orders', { bytesIn: 2048, recordsIn: 16, bytesOut: 4096 }]],
      remoteHighWatermarks: async () => new Map(),
    });
    metrics.observeRequest('Produce', 'kafka', 0.002);
    metrics.observeFlush(0.003);

    const text = await metrics.registry.metrics();
    expect(text).toContain('quill_under_replicated_partitions 1');
    expect(text).toContain('quill_leader_partitions 1');
    expect(text).toContain('quill_log_end_offset{topic="orders",partition="0"} 120');
    expect(text).toContain('quill_log_size_bytes{topic="orders",partition="0"} 4096');
    expect(text).toContain('quill_consumer_group_lag{group="billing",topic="orders",partition="0"} 70');
    expect(text).toContain('quill_consumer_group_state{group="billing",state="Empty"} 1');
    expect(text).toContain('quill_purgatory_size{purgatory="fetch"} 5');
    expect(text).toContain('quill_isr_shrinks_total 3');
    expect(text).toContain('quill_connections{listener="grpc"} 4');
    expect(text).toContain('quill_connections{listener="kafka"} 7');
    expect(text).toContain('quill_topic_bytes_in_total{topic="orders"} 2048');
    expect(text).toContain('quill_topic_records_in_total{topic="orders"} 16');
    expect(text).toContain('quill_topic_bytes_out_total{topic="orders"} 4096');
    expect(text).toContain('quill_request_duration_seconds_count{api="Produce",listener="kafka"} 1');
    expect(text).toContain('quill_log_flush_duration_seconds_count 1');

    replicas[0] = { ...replicas[0]!, isr: [1, 2, 3] };
    expect(await metrics.registry.metrics()).toContain('quill_under_replicated_partitions 0');
  });

  it('renders 1,000 partitions with a group on each, one lag series per partition', async () => {
    const replicas: ReplicaView[] = Array.from({ length: 1_000 }, (_, i) => ({
      topic: `topic-${i % 10}`, index: Math.floor(i / 10), isLeader: i % 3 === 0, isOffline: false, replicas: [1, 2, 3], isr: [1, 2, 3],
      logEndOffset: i * 10, logStartOffset: 0, highWatermark: i * 10, sizeBytes: i * 1000,
    }));
    const group = new Group('everything', 0);
    for (const r of replicas) group.offsets.set(`${r.topic}\u0000${r.index}`, { topic: r.topic, partition: r.index, value: { committedOffset: 0, committedLeaderEpoch: 0, committedMetadata: undefined, commitTimestampMs: 0 } });
    const metrics = new BrokerMetrics({
      replicas: () => replicas, metadata: () => undefined, groups: () => [group],
      purgatorySizes: () => ({ produce: 0, fetch: 0, deleteRecords: 0 }), connections: async () => ({ grpc: 0 }), isrChanges: () => ({ shrinks: 0, expands: 0 }), traffic: () => [], remoteHighWatermarks: async () => new Map(),
    });
    const text = await metrics.registry.metrics();
    expect(text.match(/^quill_consumer_group_lag\{/gm)).toHaveLength(1_000);
  });
});
