import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eventually } from '@quill/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { committedOffsets, producePerPartition } from './support/consumer-cluster.js';
import { quillAgainstCluster } from './support/run-quill.js';

// `quill topics delete-records`, `admin.fetchTopicOffsetsByTimestamp` and `quill groups
// reset-offsets` against one real cluster.

const { cluster, quill } = quillAgainstCluster();
const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-cli-records-'));
afterAll(() => fs.rmSync(tempDir, { recursive: true, force: true }));

const json = (run: { code: number | null; stdout: string; stderr: string }): unknown => {
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
};

describe('records and offsets operations on a real cluster', () => {
  it('topics delete-records moves the log start on the leader (flags and Kafka offset file), refusing offsets past the high watermark', async () => {
    const admin = cluster().client().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'doomed', numPartitions: 2, replicationFactor: 3 }] });
    const producer = cluster().client().producer();
    await producer.connect();
    await producePerPartition(producer, 'doomed', 2, 0, 5);

    expect(json(await quill(['topics', 'delete-records', '--topic', 'doomed', '--partition', '0', '--offset', '3', '--json']))).toEqual({
      partitions: [{ topic: 'doomed', partition: 0, lowWatermark: 3 }],
    });
    const file = path.join(tempDir, 'offsets.json');
    fs.writeFileSync(file, JSON.stringify({ partitions: [{ topic: 'doomed', partition: 1, offset: -1 }], version: 1 }));
    expect(json(await quill(['topics', 'delete-records', '--offset-json-file', file, '--json']))).toEqual({
      partitions: [{ topic: 'doomed', partition: 1, lowWatermark: 5 }],
    });
    // Every replica, followers too, holds the new log start durably.
    const startOn = (brokerId: number): string | undefined => {
      const file = path.join(cluster().dataDir(brokerId), 'doomed-0', 'log-start-offset');
      return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : undefined;
    };
    await eventually(() => cluster().brokerIds.every((id) => startOn(id) === '3'), { timeoutMs: 10_000, description: 'log start 3 on every replica' });
    const offsets = await admin.fetchTopicOffsets('doomed');
    expect(offsets.map(({ partition, low, high }) => ({ partition, low, high }))).toEqual([
      { partition: 0, low: 3, high: 5 },
      { partition: 1, low: 5, high: 5 },
    ]);

    const tooFar = await quill(['topics', 'delete-records', '--topic', 'doomed', '--partition', '0', '--offset', '99']);
    expect(tooFar.code).not.toBe(0);
    expect(tooFar.stderr).toContain('OFFSET_OUT_OF_RANGE');
    await producer.disconnect();
    await admin.disconnect();
  }, 120_000);

  it('fetchTopicOffsetsByTimestamp and groups reset-offsets: a plan without --execute, applied with it, refused while the group has members', async () => {
    const client = cluster().client();
    const admin = client.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'timed', numPartitions: 2, replicationFactor: 3 }] });
    const producer = client.producer();
    await producer.connect();
    // Partition 0: timestamps 1000, 2000, 3000, 4000; partition 1: two records at 1000.
    await producer.send({ topic: 'timed', acks: -1, messages: [1000, 2000, 3000, 4000].map((timestamp) => ({ partition: 0, value: `${timestamp}`, timestamp })) });
    await producer.send({ topic: 'timed', acks: -1, messages: [1000, 1000].map((timestamp) => ({ partition: 1, value: 'x', timestamp })) });

    expect(await admin.fetchTopicOffsetsByTimestamp('timed', 2500)).toEqual([
      { partition: 0, offset: 2 },
      { partition: 1, offset: 2 },
    ]);
    expect(await admin.fetchTopicOffsetsByTimestamp('timed')).toEqual([
      { partition: 0, offset: 4 },
      { partition: 1, offset: 2 },
    ]);

    await admin.setOffsets({ groupId: 'resetters', topic: 'timed', partitions: [{ partition: 0, offset: 3 }, { partition: 1, offset: 1 }] });
    const reset = (...args: string[]) => quill(['groups', 'reset-offsets', '--group', 'resetters', ...args, '--json']);

    expect(json(await reset('--topic', 'timed', '--to-earliest'))).toEqual({
      group: 'resetters',
      executed: false,
      partitions: [
        { topic: 'timed', partition: 0, newOffset: 0 },
        { topic: 'timed', partition: 1, newOffset: 0 },
      ],
    });
    expect(await committedOffsets(admin, 'resetters', 'timed')).toEqual([3, 1]);

    expect(json(await reset('--topic', 'timed:0', '--shift-by', '-5', '--execute'))).toEqual({
      group: 'resetters',
      executed: true,
      partitions: [{ topic: 'timed', partition: 0, newOffset: 0 }],
    });
    expect(await committedOffsets(admin, 'resetters', 'timed')).toEqual([0, 1]);

    const at = new Date(2000).toISOString();
    expect(json(await reset('--all-topics', '--to-datetime', at, '--execute'))).toMatchObject({ executed: true, partitions: [{ newOffset: 1 }, { newOffset: 2 }] });
    expect(await committedOffsets(admin, 'resetters', 'timed')).toEqual([1, 2]);
    // Every record is decades old: nothing within the last hour, so the log end.
    expect(json(await reset('--topic', 'timed', '--by-duration', 'PT1H'))).toMatchObject({ partitions: [{ newOffset: 4 }, { newOffset: 2 }] });

    const human = await quill(['groups', 'reset-offsets', '--group', 'resetters', '--topic', 'timed', '--to-latest']);
    expect(human.stdout).toMatch(/GROUP\s+TOPIC\s+PARTITION\s+NEW-OFFSET\nresetters\s+timed\s+0\s+4/);

    const consumer = client.consumer({ groupId: 'resetters', maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topics: ['timed'] });
    await consumer.run({ eachMessage: async () => undefined });
    await eventually(async () => ((await admin.describeGroups(['resetters'])).groups[0]?.members.length ?? 0) > 0, { timeoutMs: 20_000, description: 'a member in the group' });
    const busy = await reset('--topic', 'timed', '--to-earliest');
    expect(busy.code).not.toBe(0);
    expect(busy.stderr).toContain('NON_EMPTY_GROUP');
    await consumer.disconnect();
    await producer.disconnect();
    await admin.disconnect();
  }, 180_000);
});
