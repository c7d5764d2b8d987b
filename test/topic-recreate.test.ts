import fs from 'node:fs';
import path from 'node:path';
import type { Quill } from '@quill/client';
import { decodeBatches } from '@quill/records';
import { eventually } from '@quill/test-support';
import { ProcessCluster } from '@quill/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { describePartition, liveBrokersClient, readPartition } from './support/cluster-helpers.js';

// Invariant 7: a replica belongs to one topic id. A broker paused while its topic is deleted and
// re-created under the same name catches up on both changes at once (a busy reconcile, here the
// many logs of a topic created just before, lets them pile up into one); it must not take the old
// topic's log for the new topic's replica. Checked on every replica's disk and through a consumer
// while the returning broker leads.

let cluster: ProcessCluster | undefined;
let quill: Quill | undefined;
afterEach(async () => {
  for (const node of cluster?.nodes.values() ?? []) node.process.resume();
  await cluster?.stop();
  cluster = quill = undefined;
});

const TOPIC = 'orders';
const NEW_VALUES = ['new-0', 'new-1', 'new-2', 'new-3', 'new-4'];
/** Partitions of a topic created while the broker is away: opening their logs keeps its next reconcile busy. */
const FILLER_PARTITIONS = 32;

/** The values in a broker's log of `TOPIC`-0, in offset order, read from its segment files. */
function valuesOnDisk(dataDir: string): string[] {
  const dir = path.join(dataDir, `${TOPIC}-0`);
  const segments = fs.readdirSync(dir).filter((name) => /^\d{20}\.log$/.test(name)).sort();
  return segments.flatMap((name) => decodeBatches(fs.readFileSync(path.join(dir, name))).flatMap((b) => b.records.map((r) => r.value?.toString() ?? '')));
}

/** A broker's log of the new topic once it holds the new records, or what it holds after `timeoutMs`. */
async function settledValues(dataDir: string, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let found: string[] = [];
  while (Date.now() < deadline) {
    found = fs.existsSync(path.join(dataDir, `${TOPIC}-0`)) ? valuesOnDisk(dataDir) : [];
    if (found.length >= NEW_VALUES.length) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return found;
}

describe('a topic deleted and re-created while a broker is away', () => {
  it('never serves the old records under the new topic, on any replica', async () => {
    cluster = await ProcessCluster.start({ brokers: 3, controllers: 1, brokerArgs: ['--replica-lag-time-max-ms', '2000'] });
    quill = cluster.client();
    const admin = quill.admin();
    await admin.connect();
    const [first, away, third] = [1, 2, 3];
    const assignment = [{ partition: 0, replicas: [first!, away!, third!] }];
    let seen = '';
    const fullIsr = (what: string) =>
      eventually(async () => {
        const p = await describePartition(admin, TOPIC, 0);
        seen = JSON.stringify(p);
        return p.isr.length === 3 && p.leader === first ? p : undefined;
      }, { timeoutMs: 60_000, intervalMs: 50, description: what }).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}; last seen ${seen}`);
      });

    await admin.createTopics({ topics: [{ topic: TOPIC, replicaAssignment: assignment }] });
    await fullIsr('a full ISR of the old topic');
    const producer = quill.producer();
    await producer.connect();
    // Acknowledged by the full ISR: the broker about to go away has them too.
    await producer.send({ topic: TOPIC, acks: -1, messages: ['old-0', 'old-1', 'old-2'].map((value) => ({ value, partition: 0 })) });

    cluster.node(away!).process.pause();
    // What follows goes to the live brokers only: a request to the stopped process waits out its deadline.
    const live = await liveBrokersClient(cluster, [away!]);
    const liveAdmin = live.admin();
    await liveAdmin.connect();
    const filler = Array.from({ length: FILLER_PARTITIONS }, (_, partition) => ({ partition, replicas: [first!, away!] }));
    await liveAdmin.createTopics({ topics: [{ topic: 'filler', replicaAssignment: filler }] });
    await liveAdmin.deleteTopics({ topics: [TOPIC] });
    await eventually(async () => !(await liveAdmin.listTopics()).includes(TOPIC), { timeoutMs: 30_000, intervalMs: 50, description: 'the old topic gone' });
    await liveAdmin.createTopics({ topics: [{ topic: TOPIC, replicaAssignment: assignment }] });
    await liveAdmin.disconnect();
    // A new producer: the first one's sequence numbers belong to the old topic's partition.
    const fresh = live.producer();
    await fresh.connect();
    // acks=all completes once the paused replica has left the ISR.
    for (const value of NEW_VALUES) await fresh.send({ topic: TOPIC, acks: -1, messages: [{ value, partition: 0 }] });

    cluster.node(away!).process.resume();
    // A replica still fetching the last batch gets time; one that took the old log never gets there.
    for (const id of [first!, away!, third!]) expect(await settledValues(cluster.node(id).dataDir, 60_000), `broker ${id}'s log of the new topic`).toEqual(NEW_VALUES);
    await fullIsr('the returning broker in the new topic ISR');

    // The returning broker leads (the other replicas stop), and a consumer reads from it.
    cluster.node(first!).process.pause();
    cluster.node(third!).process.pause();
    const returning = await liveBrokersClient(cluster, [first!, third!]);
    const returningAdmin = returning.admin();
    await returningAdmin.connect();
    await eventually(async () => (await describePartition(returningAdmin, TOPIC, 0)).leader === away, { timeoutMs: 60_000, intervalMs: 50, description: 'the returning broker leading' });
    await returningAdmin.disconnect();
    const read = await readPartition(returning, TOPIC, 0, NEW_VALUES.length);
    expect([...read.values()]).toEqual(NEW_VALUES);
    cluster.node(first!).process.resume();
    cluster.node(third!).process.resume();
    await Promise.all([producer.disconnect(), fresh.disconnect()]);
    await admin.disconnect();
  });
});
