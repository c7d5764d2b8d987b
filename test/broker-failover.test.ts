import type { Quill } from '@quill/client';
import { eventually } from '@quill/test-support';
import { ProcessCluster } from '@quill/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { describePartition, readPartition } from './support/cluster-helpers.js';

// One controller and three brokers as processes (the fault is the partition leader's). acks=all
// with RF=3 while the partition leader is SIGKILLed: every acknowledged record is read back at the
// acknowledged offset, in order, and the new leader comes from the ISR.

let cluster: ProcessCluster | undefined;
let quill: Quill | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = quill = undefined;
});

describe('partition leader failover', () => {
  it('keeps every acks=all record at its acknowledged offset when the leader is killed', async () => {
    cluster = await ProcessCluster.start({ brokers: 3, controllers: 1 });
    quill = cluster.client();
    const admin = quill.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 1, replicationFactor: 3 }] });
    const before = await eventually(async () => {
      const p = await describePartition(admin, 'orders', 0);
      return p.isr.length === 3 && p.leader > 0 ? p : undefined;
    }, { timeoutMs: 30_000, intervalMs: 50, description: 'a full ISR' });

    const producer = quill.producer();
    await producer.connect();
    const acknowledged: Array<{ value: string; offset: number }> = [];
    let killed = false;
    for (let i = 0; i < 300; i++) {
      const value = `value-${i}`;
      if (i === 120) {
        // Kill while a send is in flight.
        void cluster.node(before.leader).process.kill();
        killed = true;
      }
      try {
        const [result] = await producer.send({ topic: 'orders', acks: -1, messages: [{ value, partition: 0 }] });
        acknowledged.push({ value, offset: result!.baseOffset });
      } catch {
        // Unacknowledged: may or may not be in the log; never checked.
      }
    }
    expect(killed).toBe(true);
    expect(acknowledged.length).toBeGreaterThanOrEqual(290);
    for (let i = 1; i < acknowledged.length; i++) expect(acknowledged[i]!.offset).toBeGreaterThan(acknowledged[i - 1]!.offset);

    const after = await describePartition(admin, 'orders', 0);
    expect(after.leader).not.toBe(before.leader);
    expect(before.isr).toContain(after.leader);
    expect(after.leaderEpoch).toBeGreaterThan(before.leaderEpoch);

    const end = acknowledged[acknowledged.length - 1]!.offset + 1;
    const log = await readPartition(quill, 'orders', 0, end);
    for (const { value, offset } of acknowledged) expect(log.get(offset), `offset ${offset}`).toBe(value);
    await producer.disconnect();
    await admin.disconnect();
  });
});
