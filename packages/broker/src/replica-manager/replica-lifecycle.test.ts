import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EMPTY_METADATA_STATE, applyRecords, partitionRecord, registerBrokerRecord, removeTopicRecord, topicRecord, type MetadataState } from '@quill/metadata';
import { decodeBatches, encodeBatch } from '@quill/records';
import { afterEach, describe, expect, it } from 'vitest';
import type { Partition } from '../replication/partition.js';
import { replicaManagerOnDisk } from '../test-support/replica-manager-on-disk.js';
import type { ReplicaManager } from './replica-manager.js';

// The replica lifecycle against real logs and real metadata records: what a broker hosts after
// the metadata changes that reach it in one reconcile (a paused broker, a snapshot catch-up).

const BROKER = 1;
const OLD_ID = 'AAAAAAAAAAAAAAAAAAAAAA';
const NEW_ID = 'BBBBBBBBBBBBBBBBBBBBBB';

function topicRecords(name: string, topicId: string) {
  return [topicRecord(name, topicId), partitionRecord({ topicId, partition: 0, replicas: [BROKER], isr: [BROKER], leader: BROKER, leaderEpoch: 0, partitionEpoch: 0 })];
}

describe('ReplicaManager replica lifecycle', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function brokerWith(dataDir: string): ReplicaManager {
    // One broker, the leader of everything: nothing to fetch, no ISR to change.
    const { replicas, stop } = replicaManagerOnDisk({ nodeId: BROKER, dataDir });
    cleanups.push(stop);
    return replicas;
  }

  function tempDir(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-replica-lifecycle-'));
    cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  const registered = applyRecords(
    EMPTY_METADATA_STATE,
    [registerBrokerRecord({ brokerId: BROKER, incarnationId: 'i', brokerEpoch: 1, endpoints: [{ listenerName: 'PLAINTEXT', host: '127.0.0.1', port: 1 }], fenced: false, rack: undefined })],
    0,
  );

  async function produceThree(replicas: ReplicaManager, topic: string): Promise<void> {
    const batch = encodeBatch([{ value: Buffer.from('old-0') }, { value: Buffer.from('old-1') }, { value: Buffer.from('old-2') }]);
    const result = await replicas.produce(topic, 0, batch, 1, 5_000);
    expect(result.error).toBeUndefined();
  }

  function values(partition: Partition): string[] {
    const read = partition.log.read(partition.log.logStartOffset, { maxBytes: 1 << 20 });
    return decodeBatches(read.records).flatMap((b) => b.records.map((r) => r.value?.toString() ?? ''));
  }

  it('a topic deleted and re-created under the same name in one reconcile gets a new, empty replica', async () => {
    const dataDir = tempDir();
    const replicas = brokerWith(dataDir);
    const before = applyRecords(registered, topicRecords('orders', OLD_ID), 1);
    await replicas.applyMetadata(before);
    await produceThree(replicas, 'orders');
    expect(replicas.partition('orders', 0)!.log.logEndOffset).toBe(3);

    const after: MetadataState = applyRecords(before, [removeTopicRecord(OLD_ID), ...topicRecords('orders', NEW_ID)], 3);
    await replicas.applyMetadata(after);

    const replica = replicas.partition('orders', 0)!;
    expect(replica.log.logStartOffset).toBe(0);
    expect(replica.log.logEndOffset).toBe(0);
    expect(values(replica)).toEqual([]);
    expect(replicas.byTopicId(NEW_ID, 0).partition).toBe(replica);
    expect(() => replicas.byTopicId(OLD_ID, 0)).toThrow(/UNKNOWN_TOPIC_ID|not known/);
    // The old topic's directory is gone: only the new replica's remains, and it names the new id.
    const dirs = fs.readdirSync(dataDir).filter((name) => fs.statSync(path.join(dataDir, name)).isDirectory());
    expect(dirs).toEqual(['orders-0']);
    expect(fs.readFileSync(path.join(dataDir, 'orders-0', 'partition.metadata'), 'utf8')).toContain(NEW_ID);
  });

  it('a broker back after its topic was deleted removes the old log at its first metadata, even under another topic', async () => {
    const dataDir = tempDir();
    const first = brokerWith(dataDir);
    const before = applyRecords(registered, topicRecords('orders', OLD_ID), 1);
    await first.applyMetadata(before);
    await produceThree(first, 'orders');
    await cleanups.pop()!(); // the broker stops

    const again = brokerWith(dataDir);
    await again.applyMetadata(applyRecords(before, [removeTopicRecord(OLD_ID), ...topicRecords('payments', NEW_ID)], 3));
    const dirs = fs.readdirSync(dataDir).filter((name) => !name.endsWith('-delete'));
    expect(dirs).toEqual(['payments-0']);
    expect(again.partition('orders', 0)).toBeUndefined();
  });
});
