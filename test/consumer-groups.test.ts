import { PartitionAssigners, type Consumer, type Quill } from '@quill/client';
import { eventually } from '@quill/test-support';
import { startCluster, type TestCluster } from '@quill/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { committedOffsets, groupCoordinator, producePerPartition } from './support/consumer-cluster.js';
import { ConsumerProcess } from './support/consumer-processes.js';

// Consumer groups of the SDK on a real three-broker cluster: a consumer process killed with
// SIGKILL (its partitions move, nothing is lost, duplicates only from its uncommitted window,
// commits are exactly what was processed), and the group coordinator's broker killed (offsets
// survive, the group carries on). One cluster for the file: each test has its own topic and group,
// and the test that kills a broker runs last.

const SESSION_TIMEOUT_MS = 6_000;
const HEARTBEAT_INTERVAL_MS = 500;
const REBALANCE_TIMEOUT_MS = 10_000;
/** Bound on a rebalance once the coordinator noticed the dead member (join + sync + start). */
const REBALANCE_SLACK_MS = 10_000;

let cluster: TestCluster;
let children: ConsumerProcess[] = [];
let consumers: Consumer[] = [];
beforeAll(async () => {
  cluster = await startCluster({ brokers: 3 });
}, 120_000);
afterAll(async () => cluster?.stop());
afterEach(async () => {
  await Promise.all(children.map((c) => c.kill()));
  for (const c of consumers) await c.disconnect();
  children = [];
  consumers = [];
});

async function createTopic(quill: Quill, topic: string, partitions: number): Promise<void> {
  const admin = quill.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 3 }] });
  await admin.disconnect();
}

describe('consumer groups on a 3-broker cluster', () => {
  it('4 consumer processes over 12 partitions: one is kill -9ed; its partitions move, no record is lost, and commits are exactly what was processed', async () => {
    const quill = cluster.client();
    const topic = 'events';
    const partitions = 12;
    const perPartition = 100;
    await createTopic(quill, topic, partitions);
    const producer = quill.producer();
    await producer.connect();
    await producePerPartition(producer, topic, partitions, 0, perPartition);

    const env = {
      QUILL_BOOTSTRAP: cluster.bootstrap.join(','),
      CONSUMER_GROUP: 'workers',
      CONSUMER_TOPIC: topic,
      SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
      HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_INTERVAL_MS),
      REBALANCE_TIMEOUT_MS: String(REBALANCE_TIMEOUT_MS),
      HANDLE_DELAY_MS: '10',
    };
    children = Array.from({ length: 4 }, (_, i) => new ConsumerProcess(`consumer-${i}`, env));
    const processedCount = (): number => children.reduce((n, c) => n + c.report.processed.length, 0);
    // All four share the partitions, three each, and are consuming.
    await eventually(
      async () => children.every((c) => c.currentPartitions().length === 3) && processedCount() >= 200,
      { timeoutMs: 120_000, intervalMs: 50, description: 'four members with three partitions each' },
    );
    const victim = children[1]!;
    const survivors = children.filter((c) => c !== victim);
    const victimPartitions = victim.currentPartitions();
    await victim.kill();
    const killedAtMs = Date.now();
    await producePerPartition(producer, topic, partitions, perPartition, perPartition);

    // Its partitions move to the survivors within the session timeout plus a rebalance.
    const movedAtMs = await eventually(
      async () => {
        const joinsAfter = survivors.map((c) => c.report.joins.filter((j) => j.atMs >= killedAtMs).at(-1));
        if (joinsAfter.some((j) => j === undefined)) return undefined;
        const covered = new Set(joinsAfter.flatMap((j) => j!.partitions));
        return victimPartitions.every((p) => covered.has(p)) && covered.size === partitions ? Math.max(...joinsAfter.map((j) => j!.atMs)) : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 50, description: "the killed consumer's partitions moving" },
    );
    expect(movedAtMs - killedAtMs).toBeLessThan(SESSION_TIMEOUT_MS + REBALANCE_SLACK_MS);

    // No record lost: every value of every partition processed by someone.
    const expected = partitions * perPartition * 2;
    const distinct = (): Set<string> => new Set(children.flatMap((c) => c.report.processed.map((m) => `${m.partition}/${m.offset}`)));
    await eventually(async () => distinct().size === expected, { timeoutMs: 120_000, intervalMs: 50, description: 'every record processed' });

    // Duplicates only from the victim's uncommitted window: at most one message per partition
    // (each message is committed right after it is processed), at or after its last commit.
    const seen = new Map<string, string[]>();
    for (const c of children) for (const m of c.report.processed) seen.set(`${m.partition}/${m.offset}`, [...(seen.get(`${m.partition}/${m.offset}`) ?? []), c.name]);
    const duplicates = [...seen].filter(([, by]) => by.length > 1);
    const duplicatesPerPartition = new Map<number, number>();
    for (const [key, by] of duplicates) {
      const [partition, offset] = key.split('/').map(Number) as [number, number];
      expect(by, `${key} processed by ${by.join(', ')}`).toContain(victim.name);
      expect(by.filter((name) => name === victim.name)).toHaveLength(1);
      expect(offset).toBeGreaterThanOrEqual(victim.report.committed.get(partition) ?? 0);
      duplicatesPerPartition.set(partition, (duplicatesPerPartition.get(partition) ?? 0) + by.length - 1);
    }
    for (const count of duplicatesPerPartition.values()) expect(count).toBeLessThanOrEqual(1);

    // Graceful stops commit and leave; the committed offsets are exactly the processed ones.
    await Promise.all(survivors.map((c) => c.stop()));
    const admin = quill.admin();
    await admin.connect();
    const committed = await committedOffsets(admin, 'workers', topic);
    const processedEnd = Array.from({ length: partitions }, (_, p) =>
      Math.max(...children.flatMap((c) => c.report.processed.filter((m) => m.partition === p).map((m) => m.offset))) + 1,
    );
    expect(committed).toEqual(processedEnd);
    expect(committed).toEqual(Array.from({ length: partitions }, () => perPartition * 2));
    expect((await admin.describeGroups(['workers'])).groups[0]!.members).toEqual([]);
    await admin.disconnect();
    await producer.disconnect();
  }, 300_000);

  it('heartbeats run on their own timer: a handler slower than the session timeout keeps the membership', async () => {
    const quill = cluster.client();
    await createTopic(quill, 'slow', 1);
    const producer = quill.producer();
    await producer.connect();
    await producePerPartition(producer, 'slow', 1, 0, 3);
    const consumer = quill.consumer({ groupId: 'slow', sessionTimeout: 2_000, heartbeatInterval: 300, maxPollIntervalMs: 60_000, maxWaitTimeInMs: 500 });
    consumers.push(consumer);
    const events: string[] = [];
    let heartbeats = 0;
    consumer.on(consumer.events.GROUP_JOIN, () => events.push('join'));
    consumer.on(consumer.events.REBALANCING, () => events.push('rebalancing'));
    consumer.on(consumer.events.PARTITIONS_LOST, () => events.push('lost'));
    consumer.on(consumer.events.HEARTBEAT, () => heartbeats++);
    await consumer.connect();
    await consumer.subscribe({ topics: ['slow'], fromBeginning: true });
    const handled: string[] = [];
    let heartbeatsDuringSlowHandler = 0;
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (handled.length === 0) {
          const at = heartbeats;
          await new Promise((resolve) => setTimeout(resolve, 5_000)); // 2.5 session timeouts
          heartbeatsDuringSlowHandler = heartbeats - at;
        }
        handled.push(message.value!.toString());
      },
    });
    await eventually(async () => handled.length === 3, { timeoutMs: 60_000, intervalMs: 50, description: 'three messages' });
    expect(handled).toEqual(['0:0', '0:1', '0:2']);
    expect(events).toEqual(['rebalancing', 'join']);
    expect(heartbeatsDuringSlowHandler).toBeGreaterThanOrEqual(5);
    await producer.disconnect();
  }, 180_000);

  it('static membership: a member restarted within the session timeout gets its partitions back without a rebalance', async () => {
    const quill = cluster.client();
    await createTopic(quill, 'static', 4);
    const member = async (instance: string): Promise<{ consumer: Consumer; events: string[] }> => {
      const consumer = quill.consumer({ groupId: 'static', groupInstanceId: instance, sessionTimeout: 15_000, heartbeatInterval: 300, maxWaitTimeInMs: 500 });
      consumers.push(consumer);
      const events: string[] = [];
      consumer.on(consumer.events.REBALANCING, () => events.push('rebalancing'));
      consumer.on(consumer.events.GROUP_JOIN, () => events.push('join'));
      consumer.on(consumer.events.PARTITIONS_REVOKED, () => events.push('revoked'));
      await consumer.connect();
      await consumer.subscribe({ topics: ['static'] });
      await consumer.run({ eachMessage: async () => undefined });
      return { consumer, events };
    };
    const owned = (c: Consumer): string => c.assignment().map((tp) => tp.partition).sort().join(',');
    const a = await member('instance-a');
    const b = await member('instance-b');
    await eventually(async () => a.consumer.assignment().length === 2 && b.consumer.assignment().length === 2, { timeoutMs: 60_000, intervalMs: 50, description: 'a 2/2 split' });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const aPartitions = owned(a.consumer);
    const bPartitions = owned(b.consumer);
    const bEvents = b.events.length;
    const stoppedAtMs = Date.now();
    await a.consumer.disconnect(); // a static member does not leave the group
    const restarted = await member('instance-a');
    await eventually(async () => owned(restarted.consumer) === aPartitions, { timeoutMs: 30_000, intervalMs: 50, description: 'the restarted member getting its partitions' });
    expect(Date.now() - stoppedAtMs).toBeLessThan(15_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(b.events.slice(bEvents)).toEqual([]);
    expect(owned(b.consumer)).toBe(bPartitions);
  }, 180_000);
  // Last: it kills a broker of the shared cluster.
  it("the coordinator's broker is killed: committed offsets survive and the group carries on", async () => {
    const quill = cluster.client();
    const topic = 'orders';
    const partitions = 6;
    await createTopic(quill, topic, partitions);
    const producer = quill.producer();
    await producer.connect();
    await producePerPartition(producer, topic, partitions, 0, 10);

    const processed: string[] = [];
    const newConsumer = async (): Promise<Consumer> => {
      const consumer = quill.consumer({
        groupId: 'failover',
        sessionTimeout: SESSION_TIMEOUT_MS,
        heartbeatInterval: HEARTBEAT_INTERVAL_MS,
        rebalanceTimeout: REBALANCE_TIMEOUT_MS,
        maxWaitTimeInMs: 500,
        partitionAssigners: [PartitionAssigners.cooperativeSticky],
      });
      consumers.push(consumer);
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({ autoCommitInterval: 100, eachMessage: async ({ message }) => void processed.push(message.value!.toString()) });
      return consumer;
    };
    await newConsumer();
    await newConsumer();
    const admin = quill.admin();
    await admin.connect();
    await eventually(async () => new Set(processed).size === 60, { timeoutMs: 60_000, intervalMs: 50, description: 'the first 60 records' });
    const before = await eventually(
      async () => {
        const offsets = await committedOffsets(admin, 'failover', topic);
        return offsets.every((o) => o === 10) ? offsets : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 50, description: 'every partition committed' },
    );

    const coordinator = await groupCoordinator(cluster.bootstrap[0]!, 'failover');
    await cluster.kill(coordinator);
    // Another broker takes over the group's __consumer_offsets partition and loads it.
    await eventually(
      async () => {
        const live = cluster.bootstrap.filter((_, i) => cluster.brokerIds[i] !== coordinator);
        const next = await groupCoordinator(live[0]!, 'failover');
        return next !== coordinator;
      },
      { timeoutMs: 60_000, intervalMs: 50, description: 'a new coordinator' },
    );
    expect(await eventually(async () => committedOffsets(admin, 'failover', topic), { timeoutMs: 60_000, intervalMs: 50, description: 'offsets from the new coordinator' })).toEqual(before);

    // The group carries on: new records are consumed and committed.
    await producePerPartition(producer, topic, partitions, 10, 10);
    await eventually(async () => new Set(processed).size === 120, { timeoutMs: 90_000, intervalMs: 50, description: 'the next 60 records' });
    await eventually(
      async () => (await committedOffsets(admin, 'failover', topic)).every((o) => o === 20),
      { timeoutMs: 60_000, intervalMs: 50, description: 'the new records committed' },
    );

    // A restarted group member starts at the committed offsets: nothing old comes again.
    for (const c of consumers.splice(0)) await c.disconnect();
    const countBefore = processed.length;
    await newConsumer();
    await producePerPartition(producer, topic, partitions, 20, 1);
    await eventually(async () => processed.length >= countBefore + partitions, { timeoutMs: 60_000, intervalMs: 50, description: 'the last records' });
    expect(processed.slice(countBefore).sort()).toEqual(Array.from({ length: partitions }, (_, p) => `${p}:20`).sort());
    await admin.disconnect();
    await producer.disconnect();
  }, 300_000);
});
