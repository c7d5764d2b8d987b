import { ConfigResourceTypes } from '@quill/client';
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

  it('describes and alters topic configs, with one-line errors for bad input', async () => {
    expect((await quill(['topics', 'create', 'cli-admin', '--partitions', '1', '--replication-factor', '2'])).code).toBe(0);
    const configs = async (): Promise<Map<string, { value: string | null; source: string }>> => {
      const run = await quill(['configs', 'describe', '--entity', 'topic', '--name', 'cli-admin', '--json']);
      expect(run.code, run.stderr).toBe(0);
      const parsed = JSON.parse(run.stdout) as { entity: string; name: string; configs: Array<{ name: string; value: string | null; source: string }> };
      expect(parsed).toMatchObject({ entity: 'topic', name: 'cli-admin' });
      return new Map(parsed.configs.map((c) => [c.name, { value: c.value, source: c.source }]));
    };
    expect((await configs()).get('cleanup.policy')).toEqual({ value: 'delete', source: 'default' });

    const altered = await quill(['configs', 'alter', '--entity', 'topic', '--name', 'cli-admin', '--add-config', 'retention.ms=60000,cleanup.policy=compact', '--json']);
    expect(altered.code, altered.stderr).toBe(0);
    expect(JSON.parse(altered.stdout)).toMatchObject({ name: 'cli-admin', changes: [{ name: 'retention.ms', operation: 'set', value: '60000' }, { name: 'cleanup.policy' }] });
    let now = await configs();
    expect(now.get('retention.ms')).toEqual({ value: '60000', source: 'topic' });
    expect(now.get('cleanup.policy')).toEqual({ value: 'compact', source: 'topic' });

    expect((await quill(['configs', 'alter', '--name', 'cli-admin', '--delete-config', 'cleanup.policy'])).code).toBe(0);
    now = await configs();
    expect(now.get('cleanup.policy')).toEqual({ value: 'delete', source: 'default' });
    expect(now.get('retention.ms')?.value).toBe('60000');

    const unknownTopic = await quill(['configs', 'describe', '--name', 'no-such-topic', '--json']);
    expect(unknownTopic.code).toBe(1);
    expect(unknownTopic.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknownTopic.stderr).toContain('UNKNOWN_TOPIC_OR_PARTITION');

    const unknownKey = await quill(['configs', 'alter', '--name', 'cli-admin', '--add-config', 'no.such.key=1']);
    expect(unknownKey.code).toBe(1);
    expect(unknownKey.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknownKey.stderr).toContain('INVALID_CONFIG');

    // The SDK's alterConfigs replaces the whole set: keys left out go back to their defaults.
    const admin = cluster.client().admin();
    await admin.connect();
    try {
      const topic = { type: ConfigResourceTypes.TOPIC, name: 'cli-admin' };
      const replace = { resources: [{ ...topic, configEntries: [{ name: 'segment.ms', value: '600000' }] }] };
      const described = async (): Promise<unknown[]> =>
        (await admin.describeConfigs({ resources: [{ ...topic, configNames: ['retention.ms', 'segment.ms'] }] })).resources[0]!.configEntries;
      await admin.alterConfigs({ ...replace, validateOnly: true });
      expect(await described()).toEqual([expect.objectContaining({ configName: 'retention.ms', configValue: '60000', configSource: 'topic' }), expect.objectContaining({ configName: 'segment.ms', isDefault: true })]);
      await admin.alterConfigs(replace);
      expect(await described()).toEqual([
        expect.objectContaining({ configName: 'retention.ms', configSource: 'default', isDefault: true }),
        { configName: 'segment.ms', configValue: '600000', configSource: 'topic', isDefault: false, isSensitive: false, readOnly: false },
      ]);
      await expect(admin.alterConfigs({ resources: [{ ...topic, configEntries: [{ name: 'segment.ms', value: 'soon' }] }] })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    } finally {
      await admin.disconnect();
    }

  });

  it('adds partitions to a topic and deletes a group, with one-line errors for bad input', async () => {
    expect((await quill(['topics', 'create', 'cli-admin-grow', '--partitions', '1', '--replication-factor', '2'])).code).toBe(0);
    const grown = await quill(['topics', 'alter', 'cli-admin-grow', '--partitions', '3', '--json']);
    expect(grown.code, grown.stderr).toBe(0);
    expect(JSON.parse(grown.stdout)).toEqual({ topic: 'cli-admin-grow', partitions: 3 });
    const described = JSON.parse((await quill(['topics', 'describe', 'cli-admin-grow', '--json'])).stdout) as { partitions: unknown[] };
    expect(described.partitions).toHaveLength(3);
    const fewer = await quill(['topics', 'alter', 'cli-admin-grow', '--partitions', '2']);
    expect(fewer.code).toBe(1);
    expect(fewer.stderr.trim().split('\n')).toHaveLength(1);
    expect(fewer.stderr).toContain('INVALID_PARTITIONS');

    expect((await quill(['produce', 'cli-admin-grow'], 'one\n')).code).toBe(0);
    const consumed = await quill(['consume', 'cli-admin-grow', '--group', 'cli-admin-group', '--from-beginning', '--max-messages', '1']);
    expect(consumed.code, consumed.stderr).toBe(0);
    const groupDeleted = await quill(['groups', 'delete', 'cli-admin-group', '--json']);
    expect(groupDeleted.code, groupDeleted.stderr).toBe(0);
    expect(JSON.parse(groupDeleted.stdout)).toEqual({ group: 'cli-admin-group', deleted: true });
    const again = await quill(['groups', 'delete', 'cli-admin-group']);
    expect(again.code).toBe(1);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
  });

  it("alters and describes a broker's dynamic configs", async () => {
    const set = await quill(['configs', 'alter', '--entity', 'broker', '--name', '1', '--add-config', 'retention.ms=120000', '--json']);
    expect(set.code, set.stderr).toBe(0);
    expect(JSON.parse(set.stdout)).toEqual({ entity: 'broker', name: '1', changes: [{ name: 'retention.ms', operation: 'set', value: '120000' }] });
    const described = await quill(['configs', 'describe', '--entity', 'broker', '--name', '1', '--json']);
    expect(described.code, described.stderr).toBe(0);
    expect(JSON.parse(described.stdout)).toEqual({
      entity: 'broker',
      name: '1',
      configs: [
        { name: 'follower.replication.throttled.rate', value: '-1', source: 'default', readOnly: false, sensitive: false },
        { name: 'retention.ms', value: '120000', source: 'dynamic-broker', readOnly: false, sensitive: false },
      ],
    });
    expect((await quill(['configs', 'alter', '--entity', 'broker', '--name', '1', '--delete-config', 'retention.ms'])).code).toBe(0);
  });

  // Last: it stops a broker.
  it('cluster health exits 0 on a healthy cluster, 1 with one line per problem once a broker is gone', async () => {
    // The one controller of `controllers: 1` has id 101.
    const health = (json: boolean): Promise<QuillRun> =>
      quill(['cluster', 'health', '--controllers', cluster.node(101).controllerAddress!, ...(json ? ['--json'] : [])]);
    const until = async (want: (run: QuillRun) => boolean): Promise<QuillRun> => {
      for (;;) {
        const run = await health(true);
        if (want(run)) return run;
      }
    };
    expect((await quill(['topics', 'create', 'cli-health', '--partitions', '2', '--replication-factor', '3'])).code).toBe(0);
    const fine = await until((run) => run.code === 0);
    expect(JSON.parse(fine.stdout)).toEqual({ healthy: true, quorumLeader: 101, problems: [] });

    await cluster.node(3).process.stop();
    type Report = { healthy: boolean; problems: Array<{ kind: string; topic?: string; broker?: number }> };
    const sick = await until((run) => run.code === 1 && (JSON.parse(run.stdout) as Report).problems.some((p) => p.kind === 'fenced-broker'));
    const report = JSON.parse(sick.stdout) as Report;
    expect(report.healthy).toBe(false);
    expect(report.problems).toContainEqual(expect.objectContaining({ kind: 'fenced-broker', broker: 3 }));
    expect(report.problems).toContainEqual(expect.objectContaining({ kind: 'under-replicated-partition', topic: 'cli-health' }));
    const underReplicated = await quill(['topics', 'describe', '--under-replicated-partitions', '--json']);
    expect(underReplicated.code, underReplicated.stderr).toBe(0);
    const listed = (JSON.parse(underReplicated.stdout) as { topics: Array<{ topic: string; partitions: Array<{ isr: number[]; replicas: number[] }> }> }).topics;
    expect(listed.find((t) => t.topic === 'cli-health')?.partitions).toHaveLength(2);
    for (const p of listed.flatMap((t) => t.partitions)) expect(p.isr.length).toBeLessThan(p.replicas.length);
    const unavailable = await quill(['topics', 'describe', 'cli-health', '--unavailable-partitions', '--json']);
    expect(JSON.parse(unavailable.stdout)).toEqual({ topic: 'cli-health', partitions: [] });
    expect((await quill(['configs', 'alter', '--name', 'cli-health', '--add-config', 'min.insync.replicas=2'])).code).toBe(0);
    const atMinIsr = await quill(['topics', 'describe', 'cli-health', '--at-min-isr-partitions', '--json']);
    expect(atMinIsr.code, atMinIsr.stderr).toBe(0);
    expect((JSON.parse(atMinIsr.stdout) as { partitions: Array<{ isr: number[] }> }).partitions.map((p) => p.isr.length)).toEqual([2, 2]);
    const text = await health(false);
    expect(text.code).toBe(1);
    expect(text.stdout.trim().split('\n')).toHaveLength(report.problems.length + 1);
  }, 60_000);
});
