import { ProcessCluster } from '@quill/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runQuill, type QuillRun } from './support/run-quill.js';

// The quill CLI against a real cluster: topics, produce from stdin, consume --json.

let cluster: ProcessCluster;
beforeAll(async () => {
  cluster = await ProcessCluster.start({ brokers: 3, controllers: 1 });
}, 120_000);
afterAll(async () => cluster.stop());

const quill = (args: readonly string[], stdin = ''): Promise<QuillRun> => runQuill([...args, '--bootstrap', cluster.bootstrap.join(',')], stdin);

describe('quill CLI on a real cluster', () => {
  it('creates and describes a topic, produces lines and consumes them back as JSON', async () => {
    const created = await quill(['topics', 'create', 'cli-orders', '--partitions', '2', '--replication-factor', '3']);
    expect(created.code, created.stderr).toBe(0);

    const described = await quill(['topics', 'describe', 'cli-orders', '--json']);
    expect(described.code, described.stderr).toBe(0);
    const description = JSON.parse(described.stdout) as { topic: string; partitions: Array<{ partition: number; leader: number; leaderEpoch: number; replicas: number[]; isr: number[] }> };
    expect(description.topic).toBe('cli-orders');
    expect(description.partitions.map((p) => p.partition)).toEqual([0, 1]);
    for (const p of description.partitions) {
      expect(p.replicas).toHaveLength(3);
      expect(p.replicas).toContain(p.leader);
    }

    const listed = await quill(['topics', 'list']);
    expect(listed.stdout).toContain('cli-orders');

    const lines = Array.from({ length: 50 }, (_, i) => `order-${i}`).join('\n');
    const produced = await quill(['produce', 'cli-orders', '--key', 'same-key'], `${lines}\n`);
    expect(produced.code, produced.stderr).toBe(0);

    const consumed = await quill(['consume', 'cli-orders', '--from-beginning', '--max-messages', '50', '--json']);
    expect(consumed.code, consumed.stderr).toBe(0);
    const records = consumed.stdout.trim().split('\n').map((line) => JSON.parse(line) as { partition: number; offset: number; key: string; value: string });
    expect(records.map((r) => r.value)).toEqual(Array.from({ length: 50 }, (_, i) => `order-${i}`));
    // One key: one partition, consecutive offsets.
    expect(new Set(records.map((r) => r.partition)).size).toBe(1);
    expect(records.map((r) => r.offset)).toEqual(Array.from({ length: 50 }, (_, i) => i));

    const unknown = await quill(['consume', 'no-such-topic', '--from-beginning', '--max-messages', '1']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);

    const deleted = await quill(['topics', 'delete', 'cli-orders']);
    expect(deleted.code, deleted.stderr).toBe(0);
  });
});
