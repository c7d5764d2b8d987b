import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManualClock } from '@quill/clock';
import { EMPTY_METADATA_STATE, applyRecords, configRecord, partitionRecord, registerBrokerRecord, topicRecord, type MetadataState } from '@quill/metadata';
import { decodeBatches, encodeBatch, readBatchHeader } from '@quill/records';
import { eventually } from '@quill/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { replicaManagerOnDisk } from '../test-support/replica-manager-on-disk.js';
import type { ReplicaManager } from './replica-manager.js';

// Topic configs changed in the metadata reach the logs a broker has open, and the leader applies
// compression.type and message.timestamp.type to what it appends.

const BROKER = 1;
const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAA';

describe('ReplicaManager and topic configs at runtime', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function broker(clock: ManualClock): ReplicaManager {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-topic-configs-'));
    cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    // Retention checks every minute: a prompt shrink can only come from the config change.
    const { replicas, stop } = replicaManagerOnDisk({ nodeId: BROKER, dataDir, clock });
    cleanups.push(stop);
    return replicas;
  }

  function withTopic(configs: Record<string, string>): MetadataState {
    const registered = applyRecords(
      EMPTY_METADATA_STATE,
      [registerBrokerRecord({ brokerId: BROKER, incarnationId: 'i', brokerEpoch: 1, endpoints: [{ listenerName: 'PLAINTEXT', host: '127.0.0.1', port: 1 }], fenced: false, rack: undefined })],
      0,
    );
    return applyRecords(
      registered,
      [
        topicRecord('orders', TOPIC_ID),
        partitionRecord({ topicId: TOPIC_ID, partition: 0, replicas: [BROKER], isr: [BROKER], leader: BROKER, leaderEpoch: 0, partitionEpoch: 0 }),
        ...Object.entries(configs).map(([key, value]) => configRecord('topic', 'orders', key, value)),
      ],
      1,
    );
  }

  it('a lowered retention.bytes shrinks an open log at once, and a raised max.message.bytes lets a larger batch in', async () => {
    const replicas = broker(new ManualClock(1_700_000_000_000));
    const state = withTopic({ 'segment.bytes': '1024', 'max.message.bytes': '500' });
    await replicas.applyMetadata(state);
    for (let i = 0; i < 30; i++) {
      const result = await replicas.produce('orders', 0, encodeBatch([{ value: `v${i}`.padEnd(300, '.') }]), 1, 5_000);
      expect(result.error).toBeUndefined();
    }
    const log = replicas.partition('orders', 0)!.log;
    const before = log.sizeInBytes;
    expect((await replicas.produce('orders', 0, encodeBatch([{ value: 'x'.repeat(600) }]), 1, 5_000)).error?.code).toBe('MESSAGE_TOO_LARGE');

    await replicas.applyMetadata(applyRecords(state, [configRecord('topic', 'orders', 'retention.bytes', '2048'), configRecord('topic', 'orders', 'max.message.bytes', '2000')], 10));
    await eventually(() => log.sizeInBytes < before && log.logStartOffset > 0, { description: 'retention on the open log' });
    expect(log.config.retentionBytes).toBe(2048);
    expect((await replicas.produce('orders', 0, encodeBatch([{ value: 'x'.repeat(600) }]), 1, 5_000)).error).toBeUndefined();
  });

  it('compression.type=zstd stores every produced batch as zstd, whatever the producer used', async () => {
    const replicas = broker(new ManualClock(1_700_000_000_000));
    await replicas.applyMetadata(withTopic({ 'compression.type': 'zstd' }));
    await replicas.produce('orders', 0, encodeBatch([{ value: 'plain' }]), 1, 5_000);
    await replicas.produce('orders', 0, encodeBatch([{ value: 'gzipped' }], { compression: 'gzip' }), 1, 5_000);
    const { records } = replicas.partition('orders', 0)!.log.read(0);
    const batches = decodeBatches(records);
    expect(batches.map((b) => b.header.compression)).toEqual(['zstd', 'zstd']);
    expect(batches.flatMap((b) => b.records.map((r) => r.value?.toString()))).toEqual(['plain', 'gzipped']);
  });

  it('message.timestamp.type=LogAppendTime stamps the broker clock\'s time', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const replicas = broker(clock);
    await replicas.applyMetadata(withTopic({ 'message.timestamp.type': 'LogAppendTime' }));
    clock.advance(5_000);
    const result = await replicas.produce('orders', 0, encodeBatch([{ value: 'v', timestamp: 42 }]), 1, 5_000);
    expect(result.logAppendTimeMs).toBe(1_700_000_005_000);
    const { records } = replicas.partition('orders', 0)!.log.read(0);
    const header = readBatchHeader(records);
    expect(header.timestampType).toBe('log-append');
    expect(header.maxTimestamp).toBe(1_700_000_005_000);
    expect(decodeBatches(records)[0]!.records[0]!.timestamp).toBe(1_700_000_005_000);
  });
});
