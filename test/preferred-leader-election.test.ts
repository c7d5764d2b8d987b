import type { Quill } from '@quill/client';
import { eventually } from '@quill/test-support';
import { ProcessCluster } from '@quill/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { describePartition, readPartition } from './support/cluster-helpers.js';
import { runQuill } from './support/run-quill.js';

// A preferred-leader election gives a partition's leadership back to its preferred replica
// (the first of its replicas) once that replica is in the ISR again: here broker 1, moved away
// from by its controlled shutdown and restarted. The new leader has a higher leader epoch and
// acks=all writes go on across the move; asked again, the election is not needed.

const TOPIC = 'preferred';
/** A controlled shutdown that outlasts this is cut short with SIGKILL (the test would then prove less). */
const SHUTDOWN_GRACE_MS = 15_000;

let cluster: ProcessCluster | undefined;
let quill: Quill | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = quill = undefined;
});

describe('preferred leader election', () => {
  it('moves the leadership back to the preferred replica with a higher leader epoch; a second election is not needed', async () => {
    // The automatic rebalance would take the leadership back before the election is asked for.
    cluster = await ProcessCluster.start({ brokers: 3, controllers: 1, logLevel: 'warn', controllerArgs: ['--auto-leader-rebalance-enable', 'false'] });
    quill = cluster.client();
    const admin = quill.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic: TOPIC, replicaAssignment: [{ partition: 0, replicas: [1, 2, 3] }], configEntries: [{ name: 'min.insync.replicas', value: '2' }] }],
    });
    const producer = quill.producer();
    await producer.connect();
    await producer.send({ topic: TOPIC, acks: -1, messages: [{ value: 'before', partition: 0 }] });
    expect((await describePartition(admin, TOPIC, 0)).leader).toBe(1);

    // Broker 1's controlled shutdown moves its leadership away; restarted, it rejoins as a follower.
    const broker = cluster.node(1).process;
    await broker.stop(SHUTDOWN_GRACE_MS);
    expect(broker.logs).not.toContain('controlled shutdown timed out');
    broker.start();
    const moved = await eventually(async () => {
      const p = await describePartition(admin, TOPIC, 0);
      return p.leader !== 1 && p.leader > 0 && p.isr.length === 3 ? p : undefined;
    }, { timeoutMs: 20_000, intervalMs: 50, description: 'broker 1 back in the ISR under another leader' });
    await producer.send({ topic: TOPIC, acks: -1, messages: [{ value: 'moved', partition: 0 }] });

    const results = await admin.electLeaders({ type: 'preferred', partitions: [{ topic: TOPIC, partition: 0 }] });
    expect(results).toEqual([{ topic: TOPIC, partition: 0, errorCode: 'NONE' }]);
    const elected = await eventually(async () => {
      const p = await describePartition(admin, TOPIC, 0);
      return p.leader === 1 ? p : undefined;
    }, { timeoutMs: 10_000, intervalMs: 50, description: 'broker 1 leading again' });
    expect(elected.leaderEpoch).toBeGreaterThan(moved.leaderEpoch);

    // acks=all across the move: the producer finds the new leader; every record is read back in order.
    const [after] = await producer.send({ topic: TOPIC, acks: -1, messages: [{ value: 'after', partition: 0 }] });
    expect(after!.baseOffset).toBe(2);
    await producer.disconnect();
    const values = await readPartition(quill, TOPIC, 0, 3);
    expect([...values.entries()]).toEqual([
      [0, 'before'],
      [1, 'moved'],
      [2, 'after'],
    ]);

    const again = await admin.electLeaders({ type: 'preferred', partitions: [{ topic: TOPIC, partition: 0 }] });
    expect(again).toMatchObject([{ topic: TOPIC, partition: 0, errorCode: 'ELECTION_NOT_NEEDED' }]);
    // Over every partition, one already led by its preferred replica is left out of the results.
    expect((await admin.electLeaders({ type: 'preferred' })).filter((r) => r.topic === TOPIC)).toEqual([]);

    const cli = await runQuill(['leaders', 'elect', '--preferred', '--topic', TOPIC, '--bootstrap', cluster.bootstrap.join(',')]);
    expect(cli.stderr).toBe('');
    expect(cli.stdout).toBe(`${TOPIC}-0: ELECTION_NOT_NEEDED (${TOPIC}/0: the preferred replica 1 already leads.)\n`);
    expect(cli.code).toBe(0);
    expect((await describePartition(admin, TOPIC, 0)).leaderEpoch).toBe(elected.leaderEpoch);
    await admin.disconnect();
  }, 60_000);
});
