import { describe, expect, it } from 'vitest';
import { producePerPartition } from './support/consumer-cluster.js';
import { quillAgainstCluster } from './support/run-quill.js';

// `quill consume --group` and `quill groups list|describe|reset-offsets` against a real cluster.

const { cluster, quill } = quillAgainstCluster();

describe('quill groups on a real cluster', () => {
  it('consume --group commits what it printed; describe shows offsets, log end and lag; reset-offsets moves them', async () => {
    const client = cluster().client();
    const admin = client.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'cli-events', numPartitions: 2, replicationFactor: 3 }] });
    const producer = client.producer();
    await producer.connect();
    await producePerPartition(producer, 'cli-events', 2, 0, 5);

    const first = await quill(['consume', 'cli-events', '--group', 'cli-group', '--from-beginning', '--max-messages', '6']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim().split('\n')).toHaveLength(6);

    const listed = await quill(['groups', 'list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual({ groups: [{ group: 'cli-group', state: 'Empty', protocolType: 'consumer' }] });

    const described = await quill(['groups', 'describe', 'cli-group', '--json']);
    expect(described.code, described.stderr).toBe(0);
    const description = JSON.parse(described.stdout) as {
      group: string;
      state: string;
      members: unknown[];
      partitions: Array<{ topic: string; partition: number; committedOffset: number; logEndOffset: number; lag: number; memberId: string | null }>;
    };
    expect(Object.keys(description)).toEqual(['group', 'state', 'members', 'partitions']);
    expect(description).toMatchObject({ group: 'cli-group', state: 'Empty', members: [] });
    expect(description.partitions.map((p) => Object.keys(p))).toEqual([
      ['topic', 'partition', 'committedOffset', 'logEndOffset', 'lag', 'memberId'],
      ['topic', 'partition', 'committedOffset', 'logEndOffset', 'lag', 'memberId'],
    ]);
    // Six printed, six committed, over the two partitions.
    const committed = description.partitions.reduce((sum, p) => sum + p.committedOffset, 0);
    expect(committed).toBe(6);
    for (const p of description.partitions) expect(p).toMatchObject({ topic: 'cli-events', logEndOffset: 5, lag: 5 - p.committedOffset, memberId: null });

    const human = await quill(['groups', 'describe', 'cli-group']);
    expect(human.stdout).toContain('Group: cli-group  State: Empty  Members: 0');
    expect(human.stdout).toMatch(/TOPIC\s+PARTITION\s+COMMITTED\s+LOG-END\s+LAG\s+MEMBER/);

    // The rest comes next time: the remaining four, none again.
    const second = await quill(['consume', 'cli-events', '--group', 'cli-group', '--max-messages', '4']);
    expect(second.code, second.stderr).toBe(0);
    const all = [...first.stdout.trim().split('\n'), ...second.stdout.trim().split('\n')].sort();
    expect(all).toEqual(['0:0', '0:1', '0:2', '0:3', '0:4', '1:0', '1:1', '1:2', '1:3', '1:4']);

    const reset = await quill(['groups', 'reset-offsets', '--group', 'cli-group', '--topic', 'cli-events', '--to-earliest', '--execute', '--json']);
    expect(reset.code, reset.stderr).toBe(0);
    expect(JSON.parse(reset.stdout)).toEqual({
      group: 'cli-group',
      executed: true,
      partitions: [
        { topic: 'cli-events', partition: 0, newOffset: 0 },
        { topic: 'cli-events', partition: 1, newOffset: 0 },
      ],
    });
    const toOffset = await quill(['groups', 'reset-offsets', '--group', 'cli-group', '--topic', 'cli-events', '--to-offset', '3', '--execute']);
    expect(toOffset.code, toOffset.stderr).toBe(0);
    const [offsets] = await admin.fetchOffsets({ groupId: 'cli-group', topics: ['cli-events'] });
    expect(offsets!.partitions.map((p) => p.offset)).toEqual([3, 3]);

    const neither = await quill(['groups', 'reset-offsets', '--group', 'cli-group', '--topic', 'cli-events']);
    expect(neither.code).not.toBe(0);
    expect(neither.stderr).toContain('exactly one of --to-earliest, --to-latest, --to-offset N, --to-datetime, --by-duration, --shift-by N');
    const missing = await quill(['groups', 'describe', 'no-such-group']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("Group 'no-such-group' does not exist.");
    await producer.disconnect();
    await admin.disconnect();
  }, 240_000);
});
