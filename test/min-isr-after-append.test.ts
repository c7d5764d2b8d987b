import { QuillError } from '@quill/proto';
import type { Quill } from '@quill/client';
import { eventually } from '@quill/test-support';
import { ProcessCluster } from '@quill/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { describePartition, liveBrokersClient } from './support/cluster-helpers.js';

// Invariant 6 (docs/DESIGN.md): an acks=all write that is waiting when the ISR shrinks below
// min.insync.replicas must not be acknowledged. RF 2, min.insync.replicas=2: the follower is
// paused with SIGSTOP, then one acks=all send. Once the leader drops the follower, the ISR is
// {leader} and the high watermark passes the batch on the leader alone; the answer must be
// NOT_ENOUGH_REPLICAS_AFTER_APPEND (or NOT_ENOUGH_REPLICAS on the client's retry), not success.

const REPLICA_LAG_TIME_MAX_MS = 2_000;

let cluster: ProcessCluster | undefined;
let quill: Quill | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = quill = undefined;
});

describe('acks=all after the ISR shrank below min.insync.replicas', () => {
  it('is not acknowledged while only the leader has the write, and succeeds once the follower is back', async () => {
    cluster = await ProcessCluster.start({ brokers: 2, controllers: 1, brokerArgs: ['--replica-lag-time-max-ms', String(REPLICA_LAG_TIME_MAX_MS)] });
    quill = cluster.client();
    const admin = quill.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic: 'ledger', numPartitions: 1, replicationFactor: 2, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }],
    });
    const initial = await eventually(async () => {
      const p = await describePartition(admin, 'ledger', 0);
      return p.isr.length === 2 && p.leader > 0 ? p : undefined;
    }, { timeoutMs: 30_000, intervalMs: 50, description: 'a full ISR' });
    const follower = initial.replicas.find((r) => r !== initial.leader)!;

    // Few, quick retries: the client gives up long before the follower comes back.
    const strict = cluster.client({ retry: { retries: 2, initialRetryTimeMs: 100 } }).producer();
    await strict.connect();
    await strict.send({ topic: 'ledger', acks: -1, messages: [{ value: 'before', partition: 0 }] });

    cluster.node(follower).process.pause();
    // Sent before the shrink, so it waits in the leader's purgatory while the ISR shrinks under it.
    const failure = await strict
      .send({ topic: 'ledger', acks: -1, timeout: 10 * REPLICA_LAG_TIME_MAX_MS, messages: [{ value: 'unreplicated', partition: 0 }] })
      .then((metadata) => metadata, (error: unknown) => error);
    expect(failure, `acks=all was acknowledged with only the leader in the ISR: ${JSON.stringify(failure)}`).toBeInstanceOf(QuillError);
    expect(['NOT_ENOUGH_REPLICAS_AFTER_APPEND', 'NOT_ENOUGH_REPLICAS']).toContain((failure as QuillError).code);
    expect((failure as QuillError).retriable).toBe(true);
    // Asked of the leader alone: a metadata request to the stopped follower would wait out its deadline.
    const live = (await liveBrokersClient(cluster, [follower])).admin();
    await live.connect();
    const shrunk = await describePartition(live, 'ledger', 0);
    await live.disconnect();
    expect(shrunk.isr).toEqual([initial.leader]);

    cluster.node(follower).process.resume();
    await eventually(async () => {
      const p = await describePartition(admin, 'ledger', 0);
      return p.isr.length === 2 ? p : undefined;
    }, { timeoutMs: 30_000, intervalMs: 50, description: 'the follower rejoining the ISR' });
    const producer = quill.producer();
    await producer.connect();
    const [after] = await producer.send({ topic: 'ledger', acks: -1, messages: [{ value: 'after', partition: 0 }] });
    expect(after!.baseOffset).toBeGreaterThanOrEqual(2);
    await Promise.all([producer.disconnect(), strict.disconnect()]);
    await admin.disconnect();
  });
});
