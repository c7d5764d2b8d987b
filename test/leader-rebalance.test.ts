import type { Admin, Producer, Quill } from '@quill/client';
import { eventually } from '@quill/test-support';
import { ProcessCluster } from '@quill/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { describePartition, readPartition } from './support/cluster-helpers.js';

// After a rolling restart each broker leads its share again: the active controller's leader
// balance check gives every partition back to its preferred replica (first of its replicas)
// once that replica is in the ISR, while an acks=all producer keeps writing; every write it
// was acknowledged is read back at its offset.

const TOPIC = 'rolling';
const REPLICAS = [
  [1, 2, 3],
  [2, 3, 1],
  [3, 1, 2],
];
const PREFERRED = REPLICAS.map((replicas) => replicas[0]!);
/** leader.imbalance.check.interval.seconds here: short, so the test waits little for a check. */
const CHECK_INTERVAL_SECONDS = 1;
/** A controlled shutdown that outlasts this is cut short with SIGKILL (the test would then prove less). */
const SHUTDOWN_GRACE_MS = 15_000;
const CATCH_UP_TIMEOUT_MS = 20_000;
/** The bound the leaders must be back within, from the last broker's restart. */
const REBALANCE_DEADLINE_MS = 30_000;
const POLL_MS = 50;

let cluster: ProcessCluster | undefined;
let quill: Quill | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = quill = undefined;
});

interface Acked {
  partition: number;
  offset: number;
  value: string;
}

/** acks=all writes round-robin over the partitions until stopped; failed sends are only counted (not acknowledged). */
function writeUntilStopped(producer: Producer) {
  const acked: Acked[] = [];
  let failed = 0;
  let stopped = false;
  const done = (async () => {
    for (let i = 0; !stopped; i++) {
      const partition = i % REPLICAS.length;
      const value = `v${i}`;
      try {
        const [result] = await producer.send({ topic: TOPIC, acks: -1, messages: [{ value, partition }] });
        acked.push({ partition, offset: Number(result!.baseOffset), value });
      } catch {
        failed++;
      }
    }
  })();
  return {
    acked,
    failures: () => failed,
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

async function leaders(admin: Admin): Promise<number[]> {
  return Promise.all(REPLICAS.map(async (_, p) => (await describePartition(admin, TOPIC, p)).leader));
}

async function everyIsrFull(admin: Admin): Promise<boolean> {
  const isrs = await Promise.all(REPLICAS.map(async (_, p) => (await describePartition(admin, TOPIC, p)).isr));
  return isrs.every((isr) => isr.length === REPLICAS[0]!.length);
}

describe('automatic preferred-leader rebalancing', () => {
  it('puts every leader back on its preferred replica within 30 s of a rolling restart under acks=all load, losing no acknowledged write', async () => {
    cluster = await ProcessCluster.start({
      brokers: 3,
      controllers: 1,
      logLevel: 'warn',
      controllerArgs: ['--leader-imbalance-check-interval-seconds', String(CHECK_INTERVAL_SECONDS)],
    });
    quill = cluster.client();
    const admin = quill.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        {
          topic: TOPIC,
          replicaAssignment: REPLICAS.map((replicas, partition) => ({ partition, replicas })),
          configEntries: [{ name: 'min.insync.replicas', value: '2' }],
        },
      ],
    });
    await eventually(async () => (await everyIsrFull(admin)) && (await leaders(admin)).join() === PREFERRED.join(), {
      timeoutMs: CATCH_UP_TIMEOUT_MS,
      intervalMs: POLL_MS,
      description: 'the topic led by its preferred replicas with full ISRs',
    });
    const producer = quill.producer();
    await producer.connect();
    const load = writeUntilStopped(producer);

    let lastRestartAt = 0;
    for (const id of [1, 2, 3]) {
      const broker = cluster.node(id).process;
      await broker.stop(SHUTDOWN_GRACE_MS);
      expect(broker.logs).not.toContain('controlled shutdown timed out');
      lastRestartAt = Date.now();
      broker.start();
      await eventually(() => everyIsrFull(admin), { timeoutMs: CATCH_UP_TIMEOUT_MS, intervalMs: POLL_MS, description: `broker ${id} back in every ISR` });
    }
    // Without the balance check the last broker restarted would lead nothing now.
    await eventually(async () => (await leaders(admin)).join() === PREFERRED.join(), {
      timeoutMs: Math.max(1, REBALANCE_DEADLINE_MS - (Date.now() - lastRestartAt)),
      intervalMs: POLL_MS,
      description: 'every partition led by its preferred replica',
    });
    expect(Date.now() - lastRestartAt).toBeLessThan(REBALANCE_DEADLINE_MS);

    // Writes go on to the moved leaders before the load stops.
    const ackedBeforeStop = load.acked.length;
    await eventually(() => load.acked.length >= ackedBeforeStop + REPLICAS.length, { timeoutMs: CATCH_UP_TIMEOUT_MS, intervalMs: POLL_MS, description: 'writes to the rebalanced leaders' });
    await load.stop();
    await producer.disconnect();
    expect(load.acked.length).toBeGreaterThan(0);

    for (const [partition] of REPLICAS.entries()) {
      const mine = load.acked.filter((a) => a.partition === partition);
      const end = Math.max(...mine.map((a) => a.offset)) + 1;
      const stored = await readPartition(quill, TOPIC, partition, end);
      expect(mine.filter((a) => stored.get(a.offset) !== a.value)).toEqual([]);
    }
    await admin.disconnect();
  }, 90_000);
});
