// A proxied test cluster: every node-to-node link goes through its own fault-injecting proxy, so
// isolating the partition leader really separates it from its followers and the controllers
// (and nothing else), the partition fails over, and after healing the old leader catches up.
import { eventually } from '@quill/test-support';
import { startCluster, type TestCluster } from '@quill/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describePartition, readPartition } from './support/cluster-helpers.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startCluster({ brokers: 3, controllers: 3, proxied: true });
}, 60_000);
afterAll(() => cluster.stop());

describe('proxied startCluster', () => {
  it('isolating the leader moves leadership; healing brings the old leader back into the ISR', async () => {
    const quill = cluster.client({ requestTimeoutMs: 5_000 });
    const admin = quill.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'events', numPartitions: 1, replicationFactor: 3 }] });
    const before = await eventually(async () => {
      const p = await describePartition(admin, 'events', 0);
      return p.isr.length === 3 && p.leader > 0 ? p : undefined;
    }, { timeoutMs: 30_000, intervalMs: 50, description: 'a full ISR' });
    // Peers really dial each other through their own links: followers fetch from the leader,
    // brokers talk to the active controller.
    for (const follower of before.isr.filter((id) => id !== before.leader)) {
      await eventually(async () => cluster.network.connections(follower, before.leader) > 0, { timeoutMs: 10_000, intervalMs: 50, description: `broker ${follower} fetching through its link` });
    }
    await eventually(async () => [101, 102, 103].some((c) => cluster.network.connections(before.leader, c) > 0), { timeoutMs: 10_000, intervalMs: 50, description: 'the leader talking to a controller' });
    const producer = quill.producer();
    await producer.connect();
    for (let i = 0; i < 10; i++) await producer.send({ topic: 'events', acks: -1, messages: [{ value: `v${i}` }] });

    // The clients are cut off too: an isolated leader still believes it leads, and a producer
    // that keeps reaching it waits out produce timeouts there (see docs/CHAOS.md, findings).
    cluster.network.isolate(before.leader, 'cut', { clients: true });
    const after = await eventually(async () => {
      const p = await describePartition(admin, 'events', 0);
      return p.leader > 0 && p.leader !== before.leader && !p.isr.includes(before.leader) ? p : undefined;
    }, { timeoutMs: 60_000, intervalMs: 50, description: 'a new leader without the isolated broker' });
    expect(after.leaderEpoch).toBeGreaterThan(before.leaderEpoch);
    for (let i = 10; i < 20; i++) await producer.send({ topic: 'events', acks: -1, messages: [{ value: `v${i}` }] });

    cluster.network.heal();
    await eventually(async () => {
      const p = await describePartition(admin, 'events', 0);
      return p.isr.includes(before.leader) && p.isr.length === 3 ? p : undefined;
    }, { timeoutMs: 60_000, intervalMs: 50, description: 'the healed broker back in the ISR' });
    await producer.disconnect();
    await admin.disconnect();

    const values = await readPartition(quill, 'events', 0, 20);
    expect([...values.values()]).toEqual(Array.from({ length: 20 }, (_, i) => `v${i}`));
  }, 180_000);
});
