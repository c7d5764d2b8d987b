import type { Quill } from '@quill/client';
import { eventually } from '@quill/test-support';
import { ProcessCluster } from '@quill/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { describePartition, readPartition } from './support/cluster-helpers.js';

// An idempotent producer (the default) sends sequential values while partition leaders are
// SIGKILLed twice. Retries after lost answers must not duplicate: every value ends up in the
// partition exactly once, in order. One controller: the faults are the brokers'.

let cluster: ProcessCluster | undefined;
let quill: Quill | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = quill = undefined;
});

describe('idempotent producer', () => {
  it('writes each value exactly once, in order, through leader failures', async () => {
    cluster = await ProcessCluster.start({ brokers: 3, controllers: 1 });
    quill = cluster.client();
    const admin = quill.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'sequence', numPartitions: 1, replicationFactor: 3 }] });
    await eventually(async () => (await describePartition(admin, 'sequence', 0)).isr.length === 3, { timeoutMs: 30_000, intervalMs: 50, description: 'a full ISR' });

    const producer = quill.producer();
    await producer.connect();
    const total = 4000;
    const perSend = 20;
    const killed: number[] = [];
    for (let next = 0; next < total; next += perSend) {
      if (next === 1000 || next === 2600) {
        const leader = (await describePartition(admin, 'sequence', 0)).leader;
        void cluster.node(leader).process.kill();
        killed.push(leader);
      }
      if (next === 2000) {
        cluster.node(killed[0]!).process.start();
        await eventually(async () => (await describePartition(admin, 'sequence', 0)).isr.length === 3, { timeoutMs: 60_000, intervalMs: 50, description: 'the restarted broker rejoining' });
      }
      const messages = Array.from({ length: perSend }, (_, i) => ({ value: String(next + i), partition: 0 }));
      await producer.send({ topic: 'sequence', acks: -1, messages });
    }
    expect(killed).toHaveLength(2);

    const values = [...(await readPartition(quill, 'sequence', 0, total)).values()];
    expect(values).toHaveLength(total);
    expect(values).toEqual(Array.from({ length: total }, (_, i) => String(i)));
    await producer.disconnect();
    await admin.disconnect();
  });
});
