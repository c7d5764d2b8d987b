import { eventually } from '@quill/test-support';
import { startCluster, type TestCluster } from '@quill/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { describePartition } from './support/cluster-helpers.js';

// The embeddable test cluster's handles: kill and restart a broker in process; pause is refused
// in process with a clear message (it needs separate processes).

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

describe('startCluster (in process)', () => {
  it('kills and restarts brokers, and the restarted one rejoins the ISR', async () => {
    cluster = await startCluster({ brokers: 3, controllers: 1 });
    expect(cluster.bootstrap).toHaveLength(3);
    const quill = cluster.client();
    const admin = quill.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'handles', numPartitions: 1, replicationFactor: 3 }] });
    const producer = quill.producer();
    await producer.connect();
    await producer.send({ topic: 'handles', acks: -1, messages: [{ value: 'one', partition: 0 }] });

    const leader = await cluster.leaderOf('handles', 0);
    await cluster.kill(leader);
    await producer.send({ topic: 'handles', acks: -1, messages: [{ value: 'two', partition: 0 }] });
    expect(await cluster.leaderOf('handles', 0)).not.toBe(leader);

    await cluster.restart(leader);
    await eventually(async () => (await describePartition(admin, 'handles', 0)).isr.includes(leader), { timeoutMs: 30_000, intervalMs: 50, description: 'the restarted broker rejoining the ISR' });
    expect(() => cluster!.pause(1)).toThrow(/processes: true/);
    await producer.disconnect();
    await admin.disconnect();
  });
});
