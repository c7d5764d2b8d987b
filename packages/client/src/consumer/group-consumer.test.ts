import { SeededRandom } from '@quill/random';
import { eventually } from '@quill/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { PartitionAssigners } from '../group/index.js';
import { Quill } from '../quill.js';
import { ScriptedCluster } from '../test-support/scripted-cluster.js';
import type { Consumer } from './consumer.js';
import type { ConsumerEvents, ConsumerOptions, EachMessagePayload, TopicPartition } from './types.js';

const FAST_RETRY = { retries: 3, initialRetryTimeMs: 20, maxRetryTimeMs: 100 };
const GROUP_TIMING = { sessionTimeout: 2_000, heartbeatInterval: 50, rebalanceTimeout: 3_000, maxWaitTimeInMs: 100 };

function fill(cluster: ScriptedCluster, topic: string, partitions: number, perPartition: number): void {
  for (let p = 0; p < partitions; p++) {
    cluster.append(topic, p, Array.from({ length: perPartition }, (_, i) => ({ key: null, value: `${p}:${i}` })));
  }
}

const keyOf = (tp: TopicPartition): string => `${tp.topic}-${tp.partition}`;

describe('group consumer against scripted brokers', () => {
  let cluster: ScriptedCluster | undefined;
  const consumers: Consumer[] = [];

  async function groupConsumer(options: ConsumerOptions): Promise<Consumer> {
    const quill = new Quill({ brokers: cluster!.addresses(), logLevel: 'silent', retry: FAST_RETRY, random: new SeededRandom(5) });
    const consumer = quill.consumer({ ...GROUP_TIMING, ...options });
    consumers.push(consumer);
    await consumer.connect();
    return consumer;
  }

  afterEach(async () => {
    for (const c of consumers.splice(0)) await c.disconnect();
    await cluster?.stop();
    cluster = undefined;
  });

  it('joins, reads every partition from the beginning, auto-commits, and commits + leaves on disconnect', async () => {
    cluster = await ScriptedCluster.start([1, 2]);
    cluster.addTopic('orders', [1, 2, 1]);
    fill(cluster, 'orders', 3, 4);
    const consumer = await groupConsumer({ groupId: 'g1' });
    const joins: Array<ConsumerEvents['consumer.group_join']> = [];
    consumer.on(consumer.events.GROUP_JOIN, (e) => joins.push(e));
    await consumer.subscribe({ topics: ['orders'], fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({ autoCommitThreshold: 5, eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    await eventually(() => seen.length === 12, { timeoutMs: 10_000, description: 'all 12 messages' });
    expect(joins).toHaveLength(1);
    expect(joins[0]).toMatchObject({ groupId: 'g1', isLeader: true, groupProtocol: 'roundrobin', memberAssignment: { orders: [0, 1, 2] } });
    expect(consumer.assignment().map(keyOf).sort()).toEqual(['orders-0', 'orders-1', 'orders-2']);
    await consumer.disconnect();
    expect([...cluster.groups.committed.get('g1')!].sort()).toEqual([
      ['orders/0', 4],
      ['orders/1', 4],
      ['orders/2', 4],
    ]);
    expect(cluster.callsTo('LeaveGroup')).toHaveLength(1);
    expect(cluster.groups.group('g1').members.size).toBe(0);
  });

  it('heartbeats ask to be held for heartbeatInterval; a coordinator that answers at once still gets one per interval', async () => {
    cluster = await ScriptedCluster.start([1]);
    cluster.addTopic('beats', [1]);
    const consumer = await groupConsumer({ groupId: 'g-beats', heartbeatInterval: 200 });
    await consumer.subscribe({ topic: 'beats' });
    const joinedAt: number[] = [];
    consumer.on(consumer.events.GROUP_JOIN, () => joinedAt.push(performance.now()));
    await consumer.run({ eachMessage: async () => undefined });
    await eventually(() => cluster!.callsTo('Heartbeat').length >= 5, { timeoutMs: 10_000, description: 'five heartbeats' });
    const elapsedMs = performance.now() - joinedAt[0]!;
    const heartbeats = cluster.callsTo('Heartbeat');
    expect(heartbeats.every((c) => (c.request as { maxWaitMs?: number }).maxWaitMs === 200)).toBe(true);
    // The first goes out right after the join, then one per interval: not a loop of calls
    // (this scripted coordinator answers at once, as one that ignores max_wait_ms would).
    expect(heartbeats.length).toBeLessThanOrEqual(Math.floor(elapsedMs / 200) + 2);
  });

  it('a new consumer of the group starts at the committed offsets; without one, at the end', async () => {
    cluster = await ScriptedCluster.start([1]);
    cluster.addTopic('t', [1, 1]);
    fill(cluster, 't', 2, 3);
    cluster.groups.committed.set('g2', new Map([['t/0', 2]]));
    const consumer = await groupConsumer({ groupId: 'g2' });
    await consumer.subscribe({ topic: 't' });
    const seen: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    await eventually(() => consumer.position('t', 1) === 3 && seen.length === 1, { timeoutMs: 10_000, description: 'positions resolved' });
    expect(seen).toEqual(['0:2']); // partition 1 starts at its end (latest)
    cluster.append('t', 1, [{ value: 'new' }]);
    await eventually(() => seen.includes('new'));
  });

  it('two members split the partitions; a leaving member hands its partitions over with its commits', async () => {
    cluster = await ScriptedCluster.start([1]);
    cluster.addTopic('t', [1, 1, 1, 1]);
    fill(cluster, 't', 4, 5);
    const processed = new Map<string, string[]>();
    const handler = (name: string) => async ({ message, partition }: EachMessagePayload) => {
      processed.set(name, [...(processed.get(name) ?? []), `${partition}:${message.offset}`]);
    };
    const a = await groupConsumer({ groupId: 'g3' });
    await a.subscribe({ topics: ['t'], fromBeginning: true });
    await a.run({ autoCommitInterval: 0, eachMessage: handler('a') });
    await eventually(() => (processed.get('a')?.length ?? 0) === 20, { timeoutMs: 10_000, description: 'a read everything' });
    const b = await groupConsumer({ groupId: 'g3' });
    await b.subscribe({ topics: ['t'], fromBeginning: true });
    await b.run({ autoCommitInterval: 0, eachMessage: handler('b') });
    await eventually(() => a.assignment().length === 2 && b.assignment().length === 2, { timeoutMs: 10_000, description: 'a 2/2 split' });
    const owned = [...a.assignment(), ...b.assignment()].map(keyOf).sort();
    expect(owned).toEqual(['t-0', 't-1', 't-2', 't-3']);
    // b starts at a's committed offsets: nothing is read twice.
    for (let p = 0; p < 4; p++) cluster.append('t', p, [{ value: `more-${p}` }]);
    await eventually(() => (processed.get('a')?.length ?? 0) + (processed.get('b')?.length ?? 0) === 24, { timeoutMs: 10_000, description: 'the new messages' });
    const all = [...(processed.get('a') ?? []), ...(processed.get('b') ?? [])];
    expect(new Set(all).size).toBe(all.length);
    await a.disconnect();
    await eventually(() => b.assignment().length === 4, { timeoutMs: 10_000, description: 'b takes over' });
    for (let p = 0; p < 4; p++) cluster.append('t', p, [{ value: `last-${p}` }]);
    await eventually(() => (processed.get('b') ?? []).filter((m) => m.endsWith(':6')).length === 4, { timeoutMs: 10_000, description: 'b reads the rest' });
    const again = [...(processed.get('a') ?? []), ...(processed.get('b') ?? [])];
    expect(new Set(again).size).toBe(again.length);
  });

  it('cooperative-sticky: a joining member takes only its share; the first member never gives up the rest', async () => {
    cluster = await ScriptedCluster.start([1]);
    cluster.addTopic('t', [1, 1, 1, 1]);
    const options = { groupId: 'g4', partitionAssigners: [PartitionAssigners.cooperativeSticky] };
    const a = await groupConsumer(options);
    const revokedFromA: TopicPartition[] = [];
    a.on(a.events.PARTITIONS_REVOKED, (e) => revokedFromA.push(...e.partitions));
    a.on(a.events.PARTITIONS_LOST, (e) => revokedFromA.push(...e.partitions));
    await a.subscribe({ topics: ['t'] });
    await a.run({ eachMessage: async () => undefined });
    await eventually(() => a.assignment().length === 4, { timeoutMs: 10_000, description: 'a owns all' });
    const b = await groupConsumer(options);
    await b.subscribe({ topics: ['t'] });
    await b.run({ eachMessage: async () => undefined });
    await eventually(() => b.assignment().length === 2 && a.assignment().length === 2, { timeoutMs: 10_000, description: 'a 2/2 split' });
    expect(revokedFromA).toHaveLength(2);
    const kept = a.assignment().map(keyOf);
    expect(revokedFromA.map(keyOf).some((k) => kept.includes(k))).toBe(false);
    expect(b.assignment().map(keyOf).sort()).toEqual(revokedFromA.map(keyOf).sort());
  });

  it('manual commits store exactly the offsets given; a moved coordinator is found again', async () => {
    cluster = await ScriptedCluster.start([1, 2]);
    cluster.addTopic('t', [1]);
    fill(cluster, 't', 1, 6);
    const consumer = await groupConsumer({ groupId: 'g5' });
    await consumer.subscribe({ topics: ['t'], fromBeginning: true });
    let handled = 0;
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        handled++;
        if (message.offset % 2 === 1) await consumer.commitOffsets([{ topic, partition, offset: message.offset + 1 }]);
      },
    });
    await eventually(() => handled === 6 && cluster!.groups.committed.get('g5')?.get('t/0') === 6, { timeoutMs: 10_000, description: 'six messages, committed' });
    // The coordinator moves: the old node says NOT_COORDINATOR, the client asks FindCoordinator again.
    const finds = cluster.callsTo('FindCoordinator').length;
    cluster.groups.coordinator = 2;
    const moved = cluster.groups.groups.get('g5')!;
    expect(moved.members.size).toBe(1);
    cluster.append('t', 0, [{ value: 'x' }]);
    await eventually(() => handled === 7, { timeoutMs: 10_000, description: 'the seventh' });
    await consumer.commitOffsets([{ topic: 't', partition: 0, offset: 7 }]).catch(() => undefined);
    await eventually(() => cluster!.callsTo('FindCoordinator').length > finds, { timeoutMs: 10_000, description: 'a new FindCoordinator' });
    await consumer.commitOffsets([{ topic: 't', partition: 0, offset: 7 }]);
    expect(cluster.groups.committed.get('g5')!.get('t/0')).toBe(7);
  });

  it('a handler that holds a message past maxPollIntervalMs makes the member leave, and it rejoins afterwards', async () => {
    cluster = await ScriptedCluster.start([1]);
    cluster.addTopic('t', [1]);
    fill(cluster, 't', 1, 2);
    const consumer = await groupConsumer({ groupId: 'g6', maxPollIntervalMs: 300 });
    const events: string[] = [];
    consumer.on(consumer.events.GROUP_LEAVE, () => events.push('leave'));
    consumer.on(consumer.events.GROUP_JOIN, () => events.push('join'));
    consumer.on(consumer.events.PARTITIONS_LOST, () => events.push('lost'));
    await consumer.subscribe({ topics: ['t'], fromBeginning: true });
    let release: (() => void) | undefined;
    const seen: number[] = [];
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(message.offset);
        if (seen.length === 1) await new Promise<void>((resolve) => (release = resolve));
      },
    });
    await eventually(() => events.includes('leave'), { timeoutMs: 10_000, description: 'leaving the group' });
    expect(events.slice(0, 3)).toEqual(['join', 'leave', 'lost']);
    release!();
    await eventually(() => events.filter((e) => e === 'join').length === 2, { timeoutMs: 10_000, description: 'rejoining' });
    // The message held too long was not committed, so it comes again (at-least-once).
    await eventually(() => seen.length >= 3, { timeoutMs: 10_000, description: 'redelivery' });
    expect(seen.slice(0, 2)).toEqual([0, 0]);
  });

  it('for await in a group: a message counts as processed when the next is asked for', async () => {
    cluster = await ScriptedCluster.start([1]);
    cluster.addTopic('t', [1]);
    fill(cluster, 't', 1, 3);
    const consumer = await groupConsumer({ groupId: 'g7' });
    await consumer.subscribe({ topics: ['t'], fromBeginning: true });
    const seen: number[] = [];
    for await (const message of consumer) {
      seen.push(message.offset);
      if (seen.length === 3) break;
    }
    await consumer.disconnect();
    expect(seen).toEqual([0, 1, 2]);
    expect(cluster.groups.committed.get('g7')!.get('t/0')).toBe(2);
  });

  it('refuses group calls without a group, and assign() in a group', async () => {
    cluster = await ScriptedCluster.start([1]);
    const plain = await groupConsumer({});
    await expect(plain.subscribe({ topics: ['t'] })).rejects.toThrow(/groupId/);
    const grouped = await groupConsumer({ groupId: 'g8' });
    expect(() => grouped.assign([{ topic: 't', partition: 0, offset: 0 }])).toThrow(/subscribe/);
    await expect(grouped.run({ eachMessage: async () => undefined })).rejects.toThrow(/subscribe to topics/);
  });

  it('subscribes by RegExp; eachBatch redelivers what was not resolved; partitions are handled concurrently', async () => {
    cluster = await ScriptedCluster.start([1]);
    cluster.addTopic('audit-a', [1, 1]);
    cluster.addTopic('audit-b', [1]);
    cluster.addTopic('other', [1]);
    fill(cluster, 'audit-a', 2, 4);
    fill(cluster, 'audit-b', 1, 4);
    fill(cluster, 'other', 1, 4);
    const consumer = await groupConsumer({ groupId: 'g9' });
    await consumer.subscribe({ topics: [/^audit-/], fromBeginning: true });
    const delivered: string[] = [];
    let failOnce = true;
    let inHandler = 0;
    let maxInHandler = 0;
    await consumer.run({
      partitionsConsumedConcurrently: 3,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset }) => {
        inHandler++;
        maxInHandler = Math.max(maxInHandler, inHandler);
        await new Promise((resolve) => setTimeout(resolve, 20));
        inHandler--;
        for (const message of batch.messages) {
          if (batch.topic === 'audit-b' && message.offset === 2 && failOnce) {
            failOnce = false;
            throw new Error('handler failure');
          }
          delivered.push(`${batch.topic}-${batch.partition}@${message.offset}`);
          resolveOffset(message.offset);
        }
      },
    });
    await eventually(() => delivered.length === 12, { timeoutMs: 10_000, description: 'twelve messages' });
    expect(consumer.assignment().map(keyOf).sort()).toEqual(['audit-a-0', 'audit-a-1', 'audit-b-0']);
    // audit-b: 0 and 1 were resolved before the failure, so only 2 and 3 come again.
    expect(delivered.filter((d) => d.startsWith('audit-b'))).toEqual(['audit-b-0@0', 'audit-b-0@1', 'audit-b-0@2', 'audit-b-0@3']);
    expect(new Set(delivered).size).toBe(12);
    expect(maxInHandler).toBeGreaterThan(1);
    await consumer.disconnect();
    expect([...cluster.groups.committed.get('g9')!].sort()).toEqual([
      ['audit-a/0', 4],
      ['audit-a/1', 4],
      ['audit-b/0', 4],
    ]);
  });

  it('rejoins when a new topic matches its RegExp or a subscribed topic gains partitions', async () => {
    cluster = await ScriptedCluster.start([1]);
    cluster.addTopic('audit-a', [1]);
    const consumer = await groupConsumer({ groupId: 'g10', metadataMaxAgeMs: 200 });
    await consumer.subscribe({ topics: [/^audit-/] });
    await consumer.run({ eachMessage: async () => undefined });
    await eventually(() => consumer.assignment().length === 1, { timeoutMs: 10_000, description: 'audit-a' });
    cluster.addTopic('audit-b', [1, 1]);
    await eventually(() => consumer.assignment().length === 3, { timeoutMs: 10_000, description: 'audit-b assigned' });
    cluster.addTopic('audit-a', [1, 1, 1]);
    await eventually(() => consumer.assignment().length === 5, { timeoutMs: 10_000, description: 'the new partitions of audit-a' });
    expect(consumer.assignment().map(keyOf).sort()).toEqual(['audit-a-0', 'audit-a-1', 'audit-a-2', 'audit-b-0', 'audit-b-1']);
  });

  it('a consumer that crashes (a handler failing past its retries) commits what it processed and leaves the group', async () => {
    cluster = await ScriptedCluster.start([1]);
    cluster.addTopic('t', [1]);
    fill(cluster, 't', 1, 3);
    const consumer = await groupConsumer({ groupId: 'g11' });
    const crashes: Array<ConsumerEvents['consumer.crash']> = [];
    consumer.on(consumer.events.CRASH, (e) => crashes.push(e));
    await consumer.subscribe({ topics: ['t'], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (message.offset === 1) throw new Error('poison message');
      },
    });
    await eventually(
      () => crashes.length === 1 && cluster!.groups.group('g11').members.size === 0 && consumer.assignment().length === 0,
      { timeoutMs: 10_000, description: 'crash and leave' },
    );
    expect(crashes[0]).toMatchObject({ groupId: 'g11', error: { message: 'poison message' } });
    expect(cluster.groups.committed.get('g11')!.get('t/0')).toBe(1);
  });
});
