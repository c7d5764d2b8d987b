import path from 'node:path';
import type { Quill } from '@quill/client';
import { decodeBatches } from '@quill/records';
import { PartitionLog } from '@quill/storage';
import { eventually } from '@quill/test-support';
import { ProcessCluster } from '@quill/testing';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { describePartition, readPartition } from './support/cluster-helpers.js';

// A leader appends records that never reach the high watermark (its followers are paused, the
// producer uses acks=1), and is killed. A new leader takes writes. The old leader comes back,
// finds its tail diverged (by leader epoch) and truncates it: no consumer ever sees those records.
// One controller: the faults are the brokers'.

let cluster: ProcessCluster | undefined;
let quill: Quill | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = quill = undefined;
});

async function valuesOnDisk(dir: string): Promise<string[]> {
  const log = await PartitionLog.open(dir, { logger: pino({ level: 'silent' }) });
  try {
    const { records } = log.read(log.logStartOffset, { maxBytes: 64 << 20 });
    return decodeBatches(records).flatMap((b) => b.records.map((r) => r.value?.toString() ?? ''));
  } finally {
    await log.close();
  }
}

describe('divergent log tails', () => {
  it('truncates records an old leader appended but never committed', async () => {
    cluster = await ProcessCluster.start({ brokers: 3, controllers: 1 });
    quill = cluster.client();
    const admin = quill.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'ledger', numPartitions: 1, replicationFactor: 3 }] });
    const first = await eventually(async () => {
      const p = await describePartition(admin, 'ledger', 0);
      return p.isr.length === 3 && p.leader > 0 ? p : undefined;
    }, { timeoutMs: 30_000, intervalMs: 50, description: 'a full ISR' });
    const oldLeader = first.leader;
    const followers = first.replicas.filter((r) => r !== oldLeader);

    const producer = quill.producer();
    await producer.connect();
    for (let i = 0; i < 5; i++) await producer.send({ topic: 'ledger', acks: -1, messages: [{ value: `committed-${i}`, partition: 0 }] });

    // The followers stall; the leader appends alone (acks=1) and dies before anyone copies it.
    // The first append answers the followers' fetches already waiting at the leader (their
    // responses sit in the stalled followers' sockets); none is left, so the next appends stay
    // on the leader alone.
    for (const id of followers) cluster.node(id).process.pause();
    const lonely = cluster.client({ retry: { retries: 0 } }).producer();
    await lonely.connect();
    await lonely.send({ topic: 'ledger', acks: 1, messages: [{ value: 'flush', partition: 0 }] });
    await lonely.send({ topic: 'ledger', acks: 1, messages: [1, 2, 3].map((i) => ({ value: `divergent-${i}`, partition: 0 })) });
    await lonely.disconnect();
    await cluster.node(oldLeader).process.kill();
    for (const id of followers) cluster.node(id).process.resume();

    const second = await eventually(async () => {
      const p = await describePartition(admin, 'ledger', 0);
      return p.leader > 0 && p.leader !== oldLeader ? p : undefined;
    }, { timeoutMs: 30_000, intervalMs: 50, description: 'a new leader' });
    expect(followers).toContain(second.leader);
    for (let i = 0; i < 5; i++) await producer.send({ topic: 'ledger', acks: -1, messages: [{ value: `new-${i}`, partition: 0 }] });

    // The old leader returns, truncates its divergent tail and catches up into the ISR.
    cluster.node(oldLeader).process.start();
    await eventually(async () => {
      const p = await describePartition(admin, 'ledger', 0);
      return p.isr.includes(oldLeader) ? p : undefined;
    }, { timeoutMs: 60_000, intervalMs: 50, description: 'the old leader rejoining the ISR' });
    expect(cluster.node(oldLeader).process.logs).toContain('truncated a divergent tail');

    // 'flush' survives only if a follower had a fetch waiting when it was appended.
    const committed = [0, 1, 2, 3, 4].map((i) => `committed-${i}`);
    const after = [0, 1, 2, 3, 4].map((i) => `new-${i}`);
    const offsets = await quill.admin();
    await offsets.connect();
    const end = (await offsets.fetchTopicOffsets('ledger'))[0]!.high;
    await offsets.disconnect();
    const read = [...(await readPartition(quill, 'ledger', 0, Number(end))).values()];
    expect([[...committed, ...after], [...committed, 'flush', ...after]]).toContainEqual(read);

    // What the old leader holds on disk is the new leader's log, not its own lost tail.
    await cluster.node(oldLeader).process.stop();
    expect(await valuesOnDisk(path.join(cluster.node(oldLeader).dataDir, 'ledger-0'))).toEqual(read);
    await producer.disconnect();
    await admin.disconnect();
  });
});
