import { QuillError } from '@quill/proto';
import type { Quill } from '@quill/client';
import { eventually } from '@quill/test-support';
import { ProcessCluster } from '@quill/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { describePartition, liveBrokersClient } from './support/cluster-helpers.js';

// A follower paused with SIGSTOP drops out of the ISR; with RF=2 and min.insync.replicas=2,
// acks=all produce then fails with NOT_ENOUGH_REPLICAS. After SIGCONT the follower catches up
// and rejoins the ISR, and acks=all produce works again.

let cluster: ProcessCluster | undefined;
let quill: Quill | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = quill = undefined;
});

describe('in-sync replicas', () => {
  it('shrinks on a stalled follower (NOT_ENOUGH_REPLICAS) and expands once it catches up', async () => {
    cluster = await ProcessCluster.start({ brokers: 3, controllers: 1, brokerArgs: ['--replica-lag-time-max-ms', '2000'] });
    quill = cluster.client();
    const admin = quill.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic: 'payments', numPartitions: 1, replicationFactor: 2, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }],
    });
    const initial = await eventually(async () => {
      const p = await describePartition(admin, 'payments', 0);
      return p.isr.length === 2 && p.leader > 0 ? p : undefined;
    }, { timeoutMs: 30_000, intervalMs: 50, description: 'a full ISR' });
    const follower = initial.replicas.find((r) => r !== initial.leader)!;

    const producer = quill.producer();
    await producer.connect();
    await producer.send({ topic: 'payments', acks: -1, messages: [{ value: 'before', partition: 0 }] });

    cluster.node(follower).process.pause();
    // Clients of the leader alone: a request to the stopped follower would wait out its deadline.
    const live = await liveBrokersClient(cluster, [follower], { retry: { retries: 1, initialRetryTimeMs: 50 } });
    const liveAdmin = live.admin();
    await liveAdmin.connect();
    await eventually(async () => {
      const p = await describePartition(liveAdmin, 'payments', 0);
      return p.isr.length === 1 && p.isr[0] === initial.leader ? p : undefined;
    }, { timeoutMs: 30_000, intervalMs: 50, description: 'the stalled follower leaving the ISR' });
    await liveAdmin.disconnect();

    const strict = live.producer();
    await strict.connect();
    const failure = await strict.send({ topic: 'payments', acks: -1, messages: [{ value: 'refused', partition: 0 }] }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(QuillError);
    expect((failure as QuillError).code).toBe('NOT_ENOUGH_REPLICAS');
    // acks=1 does not need the ISR.
    await strict.send({ topic: 'payments', acks: 1, messages: [{ value: 'leader-only', partition: 0 }] });
    await strict.disconnect();

    cluster.node(follower).process.resume();
    await eventually(async () => {
      const p = await describePartition(admin, 'payments', 0);
      return p.isr.length === 2 ? p : undefined;
    }, { timeoutMs: 30_000, intervalMs: 50, description: 'the follower rejoining the ISR' });
    const [after] = await producer.send({ topic: 'payments', acks: -1, messages: [{ value: 'after', partition: 0 }] });
    expect(after!.baseOffset).toBe(2);
    await producer.disconnect();
    await admin.disconnect();
  });
});
