import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Quill } from '@quill/client';
import { FSYNC_FAULT_FILE } from '@quill/storage';
import { eventually } from '@quill/test-support';
import { ProcessCluster } from '@quill/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { describePartition, readPartition } from './support/cluster-helpers.js';

// A leader whose fsync fails must stop leading instead of staying stuck until a
// restart. Three brokers, RF 3; every fsync of the leader's process fails with EIO
// (QUILL_TEST_FSYNC_FAULTS). The leader takes its replica offline and resigns; another ISR member
// leads, acks=all writes are acknowledged there, and every write acknowledged before or after
// the fault is read back at its offset.

const BROKERS = 3;
const faultRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-fsync-faults-'));
const faultDir = (id: number): string => path.join(faultRoot, `node-${id}`);

let cluster: ProcessCluster | undefined;
let quill: Quill | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = quill = undefined;
  fs.rmSync(faultRoot, { recursive: true, force: true });
});

describe('a leader whose fsync fails', () => {
  it('stops leading: leadership moves to another ISR member and acknowledged writes survive', async () => {
    for (let id = 1; id <= BROKERS; id++) fs.mkdirSync(faultDir(id), { recursive: true });
    cluster = await ProcessCluster.start({
      brokers: BROKERS,
      controllers: 3,
      envFor: (id) => (id <= BROKERS ? { QUILL_TEST_FSYNC_FAULTS: faultDir(id) } : {}),
    });
    quill = cluster.client();
    const admin = quill.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic: 'journal', numPartitions: 1, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }],
    });
    const before = await eventually(async () => {
      const p = await describePartition(admin, 'journal', 0);
      return p.isr.length === 3 && p.leader > 0 ? p : undefined;
    }, { timeoutMs: 30_000, intervalMs: 50, description: 'a full ISR' });

    // Bounded retries, so a leader stuck on its failed log fails the test instead of hanging it.
    const producer = cluster.client({ retry: { retries: 8, initialRetryTimeMs: 200, maxRetryTimeMs: 2_000 } }).producer();
    await producer.connect();
    const acknowledged: Array<{ value: string; offset: number }> = [];
    const send = async (value: string): Promise<void> => {
      // A short produce timeout: a leader stuck on its failed log shows up as a failed send.
      const [result] = await producer.send({ topic: 'journal', acks: -1, timeout: 5_000, messages: [{ value, partition: 0 }] });
      acknowledged.push({ value, offset: result!.baseOffset });
    };
    for (let i = 0; i < 10; i++) await send(`before-${i}`);

    fs.writeFileSync(path.join(faultDir(before.leader), FSYNC_FAULT_FILE), '');
    for (let i = 0; i < 10; i++) await send(`after-${i}`);

    const after = await describePartition(admin, 'journal', 0);
    expect(after.leader).not.toBe(before.leader);
    expect(before.isr).toContain(after.leader);
    expect(after.isr).not.toContain(before.leader);
    expect(after.leaderEpoch).toBeGreaterThan(before.leaderEpoch);

    for (let i = 1; i < acknowledged.length; i++) expect(acknowledged[i]!.offset).toBeGreaterThan(acknowledged[i - 1]!.offset);
    const log = await readPartition(quill, 'journal', 0, acknowledged[acknowledged.length - 1]!.offset + 1);
    for (const { value, offset } of acknowledged) expect(log.get(offset), `offset ${offset}`).toBe(value);
    await producer.disconnect();
    await admin.disconnect();
  });
});
