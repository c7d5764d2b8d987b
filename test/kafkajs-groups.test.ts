import { fileURLToPath } from 'node:url';
import type { Quill } from '@quill/client';
import { eventually } from '@quill/test-support';
import { startCluster, type TestCluster } from '@quill/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { committedOffsets, producePerPartition } from './support/consumer-cluster.js';
import { ConsumerProcess } from './support/consumer-processes.js';

// A KafkaJS 2.2.4 consumer group over the brokers' Kafka listeners: three member processes share
// six partitions; one is kill -9ed (no LeaveGroup), the others take its partitions once its
// session ends, nothing is lost; a member started afterwards resumes from the committed offsets.

const KAFKAJS_CHILD = fileURLToPath(new URL('./support/kafkajs-consumer-child.ts', import.meta.url));
const SESSION_TIMEOUT_MS = 4_000;
const HEARTBEAT_INTERVAL_MS = 500;
const REBALANCE_TIMEOUT_MS = 10_000;
/** Bound on a rebalance once the coordinator noticed the dead member (join + sync + start). */
const REBALANCE_SLACK_MS = 10_000;
const TOPIC = 'orders';
const GROUP = 'kafkajs-workers';
const PARTITIONS = 6;
const PER_PARTITION = 20;

let cluster: TestCluster | undefined;
let children: ConsumerProcess[] = [];
afterEach(async () => {
  await Promise.all(children.map((c) => c.kill()));
  await cluster?.stop();
  cluster = undefined;
  children = [];
});

async function createTopic(quill: Quill): Promise<void> {
  const admin = quill.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 3 }] });
  await admin.disconnect();
}

const processed = (members: readonly ConsumerProcess[]): Set<string> => new Set(members.flatMap((c) => c.report.processed.map((m) => `${m.partition}/${m.offset}`)));

describe('a KafkaJS consumer group on a 3-broker cluster', () => {
  it('3 members over 6 partitions: one is kill -9ed and the others take over within the session timeout; a restarted member resumes from the commits', async () => {
    cluster = await startCluster({ brokers: 3 });
    const quill = cluster.client();
    await createTopic(quill);
    const producer = quill.producer();
    await producer.connect();

    const env = {
      KAFKA_BOOTSTRAP: cluster.kafkaBootstrap.join(','),
      CONSUMER_GROUP: GROUP,
      CONSUMER_TOPIC: TOPIC,
      SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
      HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_INTERVAL_MS),
      REBALANCE_TIMEOUT_MS: String(REBALANCE_TIMEOUT_MS),
    };
    children = Array.from({ length: 3 }, (_, i) => new ConsumerProcess(`kafkajs-${i}`, env, KAFKAJS_CHILD));
    // Every partition assigned, two to each member. Records come once the group is stable, so no
    // commit meets a rebalance of the start (which would make a record read twice legitimately).
    await eventually(async () => children.every((c) => c.currentPartitions().length === 2) && new Set(children.flatMap((c) => c.currentPartitions())).size === PARTITIONS, {
      timeoutMs: 60_000,
      intervalMs: 50,
      description: 'three members with two partitions each',
    });
    await producePerPartition(producer, TOPIC, PARTITIONS, 0, PER_PARTITION);
    await eventually(async () => processed(children).size === PARTITIONS * PER_PARTITION, { timeoutMs: 60_000, intervalMs: 50, description: 'the first records consumed' });

    // Our SDK's admin describes the Kafka clients' group without reading their bytes as ours.
    const admin = quill.admin();
    await admin.connect();
    const [described] = (await admin.describeGroups([GROUP])).groups;
    expect(described).toMatchObject({ state: 'Stable', protocolType: 'consumer', protocol: 'RoundRobinAssigner' });
    expect(described!.members.map((m) => [m.memberAssignment.length > 0, m.assignment])).toEqual(Array(3).fill([true, []]));

    const victim = children[2]!;
    const survivors = children.filter((c) => c !== victim);
    await victim.kill();
    const killedAtMs = Date.now();
    const movedAtMs = await eventually(
      async () => {
        const joinsAfter = survivors.map((c) => c.report.joins.filter((j) => j.atMs >= killedAtMs).at(-1));
        if (joinsAfter.some((j) => j === undefined)) return undefined;
        return new Set(joinsAfter.flatMap((j) => j!.partitions)).size === PARTITIONS ? Math.max(...joinsAfter.map((j) => j!.atMs)) : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 50, description: "the killed member's partitions moving to the others" },
    );
    expect(movedAtMs - killedAtMs).toBeLessThan(SESSION_TIMEOUT_MS + REBALANCE_SLACK_MS);
    await producePerPartition(producer, TOPIC, PARTITIONS, PER_PARTITION, PER_PARTITION);
    await eventually(async () => processed(children).size === PARTITIONS * PER_PARTITION * 2, { timeoutMs: 60_000, intervalMs: 50, description: 'every record consumed' });

    // The survivors started from the victim's commits: a record is read twice only if the victim
    // processed it without committing (at most one per partition: it commits after each).
    const readers = new Map<string, string[]>();
    for (const c of children) for (const m of c.report.processed) readers.set(`${m.partition}/${m.offset}`, [...(readers.get(`${m.partition}/${m.offset}`) ?? []), c.name]);
    const twice = [...readers].filter(([, by]) => by.length > 1);
    for (const [key, by] of twice) {
      expect(by, `${key} read by ${by.join(', ')}`).toEqual(expect.arrayContaining([victim.name]));
      const [partition, offset] = key.split('/').map(Number) as [number, number];
      expect(offset).toBeGreaterThanOrEqual(victim.report.committed.get(partition) ?? 0);
    }
    expect(new Set(twice.map(([key]) => key.split('/')[0])).size).toBe(twice.length);

    // Graceful stops commit and leave; the commits made through Kafka are what the gRPC door reads.
    await Promise.all(survivors.map((c) => c.stop()));
    expect(await committedOffsets(admin, GROUP, TOPIC)).toEqual(Array(PARTITIONS).fill(PER_PARTITION * 2));

    // A member started afterwards resumes from the committed offsets: exactly the new records.
    await producePerPartition(producer, TOPIC, PARTITIONS, PER_PARTITION * 2, PER_PARTITION);
    const restarted = new ConsumerProcess('kafkajs-restarted', env, KAFKAJS_CHILD);
    children.push(restarted);
    await eventually(async () => processed([restarted]).size === PARTITIONS * PER_PARTITION, { timeoutMs: 60_000, intervalMs: 50, description: 'the restarted member consuming the new records' });
    expect(restarted.currentPartitions().sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(restarted.report.processed.every((m) => m.offset >= PER_PARTITION * 2)).toBe(true);
    await restarted.stop();
    expect(await committedOffsets(admin, GROUP, TOPIC)).toEqual(Array(PARTITIONS).fill(PER_PARTITION * 3));
    await admin.disconnect();
    await producer.disconnect();
  }, 120_000);
});
