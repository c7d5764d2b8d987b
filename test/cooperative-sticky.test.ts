import { PartitionAssigners, type Consumer } from '@quill/client';
import { eventually } from '@quill/test-support';
import { startCluster, type TestCluster } from '@quill/testing';
import { afterEach, describe, expect, it } from 'vitest';

// Cooperative-sticky (KIP-429) on a real cluster, under a steady stream of records: a fourth
// member joins a group of three over 12 partitions. Only the three partitions it takes move;
// the other nine are never revoked and keep being consumed through the rebalance.

const PARTITIONS = 12;
const PRODUCE_EVERY_MS = 100;

interface Member {
  name: string;
  consumer: Consumer;
  /** Receipt times per partition. */
  received: Map<number, number[]>;
  revoked: Array<{ partition: number; atMs: number }>;
  lost: number[];
  rebalancingAtMs: number[];
  joinedAtMs: number[];
}

let cluster: TestCluster | undefined;
const members: Member[] = [];
let producing = false;
afterEach(async () => {
  producing = false;
  for (const m of members.splice(0)) await m.consumer.disconnect();
  await cluster?.stop();
  cluster = undefined;
});

describe('cooperative-sticky rebalancing', () => {
  it('a joining member takes only its share; the others never stop consuming the partitions they keep', async () => {
    cluster = await startCluster({ brokers: 3 });
    const quill = cluster.client();
    const admin = quill.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'stream', numPartitions: PARTITIONS, replicationFactor: 3 }] });
    await admin.disconnect();

    const producer = quill.producer();
    await producer.connect();
    producing = true;
    const values: string[] = [];
    const produced = (async () => {
      for (let seq = 0; producing; seq++) {
        const messages = Array.from({ length: PARTITIONS }, (_, p) => ({ partition: p, value: `${p}:${seq}` }));
        await producer.send({ topic: 'stream', acks: -1, messages });
        values.push(...messages.map((m) => m.value));
        await new Promise((resolve) => setTimeout(resolve, PRODUCE_EVERY_MS));
      }
    })();

    const seen = new Map<string, number>();
    const join = async (name: string): Promise<Member> => {
      const consumer = quill.consumer({
        groupId: 'coop',
        sessionTimeout: 6_000,
        heartbeatInterval: 300,
        rebalanceTimeout: 10_000,
        maxWaitTimeInMs: 500,
        partitionAssigners: [PartitionAssigners.cooperativeSticky],
      });
      const member: Member = { name, consumer, received: new Map(), revoked: [], lost: [], rebalancingAtMs: [], joinedAtMs: [] };
      consumer.on(consumer.events.PARTITIONS_REVOKED, (e) => member.revoked.push(...e.partitions.map((p) => ({ partition: p.partition, atMs: Date.now() }))));
      consumer.on(consumer.events.PARTITIONS_LOST, (e) => member.lost.push(...e.partitions.map((p) => p.partition)));
      consumer.on(consumer.events.REBALANCING, () => member.rebalancingAtMs.push(Date.now()));
      consumer.on(consumer.events.GROUP_JOIN, () => member.joinedAtMs.push(Date.now()));
      members.push(member);
      await consumer.connect();
      await consumer.subscribe({ topics: ['stream'], fromBeginning: true });
      await consumer.run({
        autoCommitInterval: 500,
        eachMessage: async ({ partition, message }) => {
          const times = member.received.get(partition) ?? [];
          times.push(Date.now());
          member.received.set(partition, times);
          const value = message.value!.toString();
          seen.set(value, (seen.get(value) ?? 0) + 1);
        },
      });
      return member;
    };
    const owned = (m: Member): number[] => m.consumer.assignment().map((tp) => tp.partition).sort((a, b) => a - b);

    const first = [await join('a'), await join('b'), await join('c')];
    // On a timeout, what each member owned and received says which half (rebalance or fetch) got stuck.
    const state = (): string =>
      JSON.stringify({
        produced: values.length,
        members: first.map((m) => ({ name: m.name, owned: owned(m), received: Object.fromEntries([...m.received].map(([p, t]) => [p, t.length])), joins: m.joinedAtMs.length, lost: m.lost })),
      });
    await eventually(
      async () => first.every((m) => owned(m).length === 4 && owned(m).every((p) => (m.received.get(p)?.length ?? 0) > 0)),
      { timeoutMs: 90_000, intervalMs: 50, description: 'three members with four partitions each, all consuming' },
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; ${state()}`);
    });
    const ownersBefore = new Map(first.flatMap((m) => owned(m).map((p) => [p, m.name] as const)));
    const revokedBefore = first.map((m) => m.revoked.length);
    const rebalanceStartMs = Date.now();

    const d = await join('d');
    await eventually(async () => [...first, d].every((m) => owned(m).length === 3), { timeoutMs: 60_000, intervalMs: 50, description: 'four members with three partitions each' });
    const rebalanceEndMs = Math.max(...[...first, d].map((m) => m.joinedAtMs.at(-1)!));

    // Only d's partitions moved, one from each old member.
    const moved = [...ownersBefore].filter(([p, name]) => !owned(first.find((m) => m.name === name)!).includes(p)).map(([p]) => p).sort((a, b) => a - b);
    expect(moved).toEqual(owned(d));
    first.forEach((m, i) => {
      const revokedNow = m.revoked.slice(revokedBefore[i]).map((r) => r.partition);
      expect(revokedNow, `${m.name} revoked`).toHaveLength(1);
      expect(moved).toContain(revokedNow[0]);
      expect(m.lost, `${m.name} lost`).toEqual([]);
    });

    // The kept partitions were never revoked (above), and their records kept arriving through the
    // rebalance: the window itself can be shorter than the gap between two records (long-poll
    // heartbeats make it tens of ms), so the check is that no gap around it is long.
    const windowStartMs = Math.min(...first.map((m) => m.rebalancingAtMs.find((t) => t >= rebalanceStartMs) ?? rebalanceEndMs));
    await eventually(
      async () => first.every((m) => owned(m).every((p) => m.received.get(p)!.some((t) => t > rebalanceEndMs + 1_000))),
      { timeoutMs: 30_000, intervalMs: 50, description: 'records of every kept partition after the rebalance' },
    );
    for (const m of first) {
      for (const p of owned(m)) {
        const times = m.received.get(p)!;
        const around = times.filter((t) => t >= rebalanceStartMs - 1_000);
        const gaps = around.slice(1).map((t, i) => t - around[i]!);
        expect(Math.max(...gaps), `${m.name}'s partition ${p} stalled`).toBeLessThan(3_000);
      }
    }
    expect(rebalanceEndMs - windowStartMs).toBeGreaterThan(0);

    // Nothing was delivered twice: the moved partitions were committed before they moved.
    producing = false;
    await produced;
    await eventually(async () => values.every((v) => seen.has(v)), { timeoutMs: 60_000, intervalMs: 50, description: 'every record consumed' });
    expect([...seen].filter(([, n]) => n > 1)).toEqual([]);
    await producer.disconnect();
  }, 300_000);
});
