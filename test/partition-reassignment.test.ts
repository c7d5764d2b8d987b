import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Admin, Consumer, Producer, Quill } from '@quill/client';
import { eventually } from '@quill/test-support';
import { ProcessCluster } from '@quill/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { runQuill } from './support/run-quill.js';

// Partition reassignment as an operator runs it: `quill partitions reassign` with Kafka's plan
// files, on a cluster of separate controllers and four brokers, while an acks=all producer and a
// consumer group keep running. Nothing acknowledged may be lost or doubled, the throttle must
// hold the copy's rate, a cancel must restore the old replicas, and a move must survive the
// active controller being killed.

const TOPIC = 'moving';
const PARTITIONS = 3;
const PREFILL_RECORDS_PER_PARTITION = 200;
const PREFILL_VALUE_BYTES = 10_000;
/** bytes/s: the prefill (about 2 MB per partition) takes a few seconds to copy onto broker 4. */
const THROTTLE = 1_500_000;

let cluster: ProcessCluster | undefined;
let workDir: string | undefined;
const running: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of running.splice(0).reverse()) await stop();
  await cluster?.stop();
  cluster = undefined;
  if (workDir !== undefined) fs.rmSync(workDir, { recursive: true, force: true });
  workDir = undefined;
});

function quill(args: readonly string[]): ReturnType<typeof runQuill> {
  return runQuill([...args, '--bootstrap', cluster!.bootstrap.join(',')]);
}

async function quillJson<T>(args: readonly string[]): Promise<T> {
  const run = await quill([...args, '--json']);
  expect(run.code, `quill ${args.join(' ')}: ${run.stderr}`).toBe(0);
  return JSON.parse(run.stdout) as T;
}

function writePlan(name: string, moves: Array<{ partition: number; replicas: number[] }>): string {
  const file = path.join(workDir!, name);
  fs.writeFileSync(file, JSON.stringify({ version: 1, partitions: moves.map((m) => ({ topic: TOPIC, ...m })) }));
  return file;
}

async function replicasOf(admin: Admin): Promise<number[][]> {
  const metadata = await admin.fetchTopicMetadata({ topics: [TOPIC] });
  return metadata.topics[0]!.partitions.sort((a, b) => a.partitionId - b.partitionId).map((p) => p.replicas);
}

/** Bytes of the topic's log segments in a broker's data directory. */
function logBytesOn(brokerId: number): number {
  const dir = cluster!.node(brokerId).dataDir;
  let total = 0;
  for (const entry of fs.readdirSync(dir)) {
    if (!entry.startsWith(`${TOPIC}-`)) continue;
    for (const file of fs.readdirSync(path.join(dir, entry))) if (file.endsWith('.log')) total += fs.statSync(path.join(dir, entry, file)).size;
  }
  return total;
}

/** Partitions of internal topics (__consumer_offsets) with a replica on the broker. */
async function partitionsOfInternalTopicsOn(admin: Admin, brokerId: number): Promise<number> {
  const metadata = await admin.fetchTopicMetadata({ includeInternal: true });
  return metadata.topics.filter((t) => t.name.startsWith('__')).reduce((n, t) => n + t.partitions.filter((p) => p.replicas.includes(brokerId)).length, 0);
}

/** An acks=all producer sending numbered records round-robin until stopped; returns what was acknowledged. */
function keepProducing(producer: Producer): { acked: Map<number, string[]>; stop: () => Promise<void> } {
  const acked = new Map<number, string[]>(Array.from({ length: PARTITIONS }, (_, p) => [p, []]));
  let stopped = false;
  const loop = (async () => {
    for (let n = 0; !stopped; n++) {
      const partition = n % PARTITIONS;
      const value = `live-${n}`;
      try {
        await producer.send({ topic: TOPIC, acks: -1, messages: [{ partition, value }] });
        acked.get(partition)!.push(value);
      } catch {
        // Not acknowledged: it may or may not be in the log, so it is not checked.
      }
    }
  })();
  return {
    acked,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

/** Every record of the topic from the beginning, per partition, read with a fresh consumer. */
async function readAll(client: Quill, expected: number): Promise<Map<number, string[]>> {
  const seen = new Map<number, string[]>(Array.from({ length: PARTITIONS }, (_, p) => [p, []]));
  const consumer = client.consumer({ groupId: `verify-${Date.now()}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
  let count = 0;
  await consumer.run({ eachMessage: async ({ partition, message }) => void (seen.get(partition)!.push(message.value!.toString()), count++) });
  await eventually(async () => count >= expected, { timeoutMs: 60_000, intervalMs: 100, description: `all ${expected} records read back` });
  await consumer.disconnect();
  return seen;
}

/** Each acknowledged live record appears exactly once, and in the order it was acknowledged. */
function expectAckedOnceInOrder(acked: Map<number, string[]>, read: Map<number, string[]>): void {
  for (const [partition, values] of acked) {
    const live = read.get(partition)!.filter((v) => v.startsWith('live-'));
    const positions = values.map((v) => live.indexOf(v));
    expect(positions.filter((i) => i < 0), `partition ${partition}: acknowledged records missing`).toEqual([]);
    expect(new Set(live).size, `partition ${partition}: a record read twice`).toBe(live.length);
    expect(positions, `partition ${partition}: order`).toEqual([...positions].sort((a, b) => a - b));
  }
}

/** Four brokers and three controllers, the topic on the given replicas, an admin and an idempotent producer. */
async function startWithTopic(assignment: number[][]): Promise<{ client: Quill; admin: Admin; producer: Producer }> {
  cluster = await ProcessCluster.start({ brokers: 4, controllers: 3 });
  await cluster.waitForBrokers(4);
  const client = cluster.client();
  const admin = client.admin();
  await admin.connect();
  running.push(() => admin.disconnect());
  await admin.createTopics({ topics: [{ topic: TOPIC, replicaAssignment: assignment.map((replicas, partition) => ({ partition, replicas })) }] });
  const producer = client.producer({ idempotent: true });
  await producer.connect();
  running.push(() => producer.disconnect());
  return { client, admin, producer };
}

/** A consumer group reading the topic from the beginning into a set, until the test ends. */
async function consumeInGroup(client: Quill, groupId: string): Promise<Set<string>> {
  const consumed = new Set<string>();
  const group: Consumer = client.consumer({ groupId, maxWaitTimeInMs: 200 });
  await group.connect();
  running.push(() => group.disconnect());
  await group.subscribe({ topics: [TOPIC], fromBeginning: true });
  await group.run({ eachMessage: async ({ message }) => void consumed.add(message.value!.toString()) });
  return consumed;
}

describe('partition reassignment', () => {
  it('moves an RF 3 topic from brokers 1-3 to 2-4 under load: throttled, cancellable, through a controller failover, losing nothing', async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-reassign-'));
    const { client, admin, producer } = await startWithTopic([[1, 2, 3], [2, 3, 1], [3, 1, 2]]);
    const filler = 'x'.repeat(PREFILL_VALUE_BYTES);
    for (let partition = 0; partition < PARTITIONS; partition++) {
      for (let i = 0; i < PREFILL_RECORDS_PER_PARTITION; i += 50) {
        await producer.send({ topic: TOPIC, acks: -1, messages: Array.from({ length: 50 }, () => ({ partition, value: filler })) });
      }
    }
    const load = keepProducing(producer);
    running.push(load.stop);
    const consumed = await consumeInGroup(client, 'during-the-move');

    // A bad plan is refused whole before anything moves.
    const bad = await quill(['partitions', 'reassign', '--plan', writePlan('bad.json', [{ partition: 0, replicas: [2, 3, 4] }, { partition: 1, replicas: [2, 9, 4] }]), '--execute']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('INVALID_REPLICA_ASSIGNMENT');
    expect(bad.stderr).toContain('broker 9 is not registered');
    expect((await admin.listPartitionReassignments()).topics).toEqual([]);

    // Cancel mid-way: a slow move of partition 0 onto broker 4, then cancelled.
    const slow = writePlan('slow.json', [{ partition: 0, replicas: [2, 3, 4] }]);
    expect(await quillJson(['partitions', 'reassign', '--plan', slow, '--execute', '--throttle', '20000'])).toMatchObject({ started: 1, throttle: 20000 });
    expect(await quillJson(['partitions', 'reassign', '--plan', slow, '--verify'])).toMatchObject({ complete: false, partitions: [{ partition: 0, status: 'in progress' }] });
    const again = await quill(['partitions', 'reassign', '--plan', writePlan('again.json', [{ partition: 0, replicas: [4, 3, 2] }]), '--execute']);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('REASSIGNMENT_IN_PROGRESS');
    expect(await quillJson(['partitions', 'reassign', '--plan', slow, '--cancel'])).toEqual({ cancelled: [{ topic: TOPIC, partition: 0 }] });
    expect((await replicasOf(admin))[0]!.sort()).toEqual([1, 2, 3]);
    expect((await admin.listPartitionReassignments()).topics).toEqual([]);
    await eventually(async () => !fs.existsSync(path.join(cluster!.node(4).dataDir, `${TOPIC}-0`)), { timeoutMs: 20_000, intervalMs: 100, description: "broker 4's cancelled replica removed" });

    // The real move, throttled; the active controller is killed right after it starts.
    // The plan comes from `quill partitions plan`: only broker 1's replicas move, to broker 4.
    const proposal = await quillJson<{ current: { partitions: unknown[] }; proposed: { version: number; partitions: Array<{ partition: number; replicas: number[] }> } }>([
      'partitions', 'plan', '--brokers', '2,3,4', '--topics', TOPIC,
    ]);
    expect(proposal.current.partitions).toHaveLength(PARTITIONS);
    const target = [[4, 2, 3], [2, 3, 4], [3, 4, 2]];
    expect(proposal.proposed.partitions.map((p) => p.replicas)).toEqual(target);
    const plan = path.join(workDir, 'plan.json');
    fs.writeFileSync(plan, JSON.stringify(proposal.proposed));
    const started = Date.now();
    expect(await quillJson(['partitions', 'reassign', '--plan', plan, '--execute', '--throttle', String(THROTTLE)])).toMatchObject({ started: 3 });
    const quorum = await admin.describeMetadataQuorum();
    await cluster!.node(quorum.leaderId).process.kill();

    // The copy's rate, from broker 4's log files in the middle of the move.
    await eventually(async () => logBytesOn(4) > 0, { timeoutMs: 20_000, intervalMs: 20, description: 'the copy onto broker 4 started' });
    const first = { at: Date.now(), bytes: logBytesOn(4) };
    await eventually(async () => Date.now() - first.at >= 2_000, { timeoutMs: 5_000, intervalMs: 50, description: 'two seconds of copying' });
    const second = { at: Date.now(), bytes: logBytesOn(4) };
    const rate = ((second.bytes - first.bytes) * 1000) / (second.at - first.at);
    expect(rate, `measured ${Math.round(rate)} bytes/s against a throttle of ${THROTTLE}`).toBeGreaterThan(THROTTLE * 0.8);
    expect(rate, `measured ${Math.round(rate)} bytes/s against a throttle of ${THROTTLE}`).toBeLessThan(THROTTLE * 1.2);

    await eventually(
      async () => {
        const status = await quillJson<{ complete: boolean }>(['partitions', 'reassign', '--plan', plan, '--verify']);
        return status.complete;
      },
      { timeoutMs: 90_000, intervalMs: 500, description: 'the move complete under the new active controller' },
    );
    expect(await replicasOf(admin)).toEqual(target);
    expect(Date.now() - started).toBeGreaterThan(2_000);
    await eventually(async () => logBytesOn(1) === 0, { timeoutMs: 20_000, intervalMs: 100, description: "broker 1's replicas removed" });

    await load.stop();
    const ackedCount = [...load.acked.values()].reduce((n, v) => n + v.length, 0);
    expect(ackedCount).toBeGreaterThan(0);
    const expected = PARTITIONS * PREFILL_RECORDS_PER_PARTITION + ackedCount;
    const liveAcked = [...load.acked.values()].flat();
    await eventually(async () => liveAcked.every((v) => consumed.has(v)), { timeoutMs: 60_000, intervalMs: 100, description: 'the group consumed every acknowledged record' });
    expectAckedOnceInOrder(load.acked, await readAll(client, expected));
  }, 240_000);

  it('decommissions a broker under load: every replica moves off it, nothing is lost, and once stopped it is unregistered', async () => {
    const { client, admin, producer } = await startWithTopic([[4, 1, 2], [2, 4, 3], [3, 1, 4]]);
    const load = keepProducing(producer);
    running.push(load.stop);
    const consumed = await consumeInGroup(client, 'during-decommission');
    await eventually(async () => consumed.size >= 30, { timeoutMs: 30_000, intervalMs: 50, description: 'the group consuming' });

    const internalOnFour = await partitionsOfInternalTopicsOn(admin, 4);
    expect(await quillJson(['brokers', 'decommission', '4'])).toEqual({ broker: 4, moved: 3 + internalOnFour, unregistered: false });
    const everywhere = await admin.fetchTopicMetadata({ includeInternal: true });
    expect(everywhere.topics.flatMap((t) => t.partitions.filter((p) => p.replicas.includes(4)).map((p) => `${t.name}-${p.partitionId}`))).toEqual([]);
    await eventually(async () => fs.readdirSync(cluster!.node(4).dataDir).every((d) => !d.startsWith(`${TOPIC}-`) && !d.startsWith('__')), {
      timeoutMs: 20_000,
      intervalMs: 100,
      description: "broker 4's logs removed",
    });

    await cluster!.node(4).process.kill();
    await eventually(async () => (await admin.describeBrokers()).find((b) => b.nodeId === 4)?.state === 'fenced', { timeoutMs: 20_000, intervalMs: 100, description: 'broker 4 fenced' });
    expect(await quillJson(['brokers', 'decommission', '4'])).toEqual({ broker: 4, moved: 0, unregistered: true });
    expect((await admin.describeBrokers()).map((b) => b.nodeId)).toEqual([1, 2, 3]);

    await load.stop();
    const ackedCount = [...load.acked.values()].reduce((n, v) => n + v.length, 0);
    const liveAcked = [...load.acked.values()].flat();
    await eventually(async () => liveAcked.every((v) => consumed.has(v)), { timeoutMs: 60_000, intervalMs: 100, description: 'the group consumed every acknowledged record' });
    expectAckedOnceInOrder(load.acked, await readAll(client, ackedCount));
  }, 240_000);
});
