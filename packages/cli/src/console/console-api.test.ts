import type { Quill } from '@quill/client';
import { startCluster, type TestCluster } from '@quill/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleApi } from './console-api.js';
import { DEFAULT_CONSOLE_LIMITS, type ConsoleLimits } from './console-config.js';

const TOPIC = 'browsed';
const SMALL = 20;
const LARGE_VALUE_BYTES = 300_000;
const LIMITS: ConsoleLimits = { ...DEFAULT_CONSOLE_LIMITS, maxBrowseMessages: 10, maxShownBytes: 64, browseFetchBytes: 16_384 };

describe('ConsoleApi', () => {
  let cluster: TestCluster;
  let quill: Quill;
  let api: ConsoleApi;
  let firstTimestamp: number;

  beforeAll(async () => {
    cluster = await startCluster({ brokers: 1 });
    quill = cluster.client();
    const admin = quill.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2, replicationFactor: 1 }] });
    await admin.disconnect();
    firstTimestamp = 1_700_000_000_000;
    const producer = quill.producer();
    await producer.connect();
    await producer.send({
      topic: TOPIC,
      messages: Array.from({ length: SMALL }, (_, i) => ({ partition: 0, key: `k${i}`, value: `v${i}`, timestamp: String(firstTimestamp + i * 1000) })),
    });
    await producer.send({ topic: TOPIC, messages: [{ partition: 0, value: Buffer.alloc(LARGE_VALUE_BYTES, 'x') }] });
    await producer.disconnect();
    api = new ConsoleApi(quill, LIMITS);
    await api.connect();
  }, 60_000);

  afterAll(async () => {
    await api?.close();
    await cluster?.stop();
  });

  it('browses a bounded window: from an offset, at most the limit, never past the end', async () => {
    const window = await api.browse({ topic: TOPIC, partition: 0, start: { offset: 3 }, limit: 5 });
    expect(window.messages.map((m) => [m.offset, m.value.text])).toEqual([3, 4, 5, 6, 7].map((o) => [o, `v${o}`]));
    expect([window.low, window.high]).toEqual([0, SMALL + 1]);
    expect((await api.browse({ topic: TOPIC, partition: 0, start: { offset: SMALL - 1 }, limit: 10 })).messages.map((m) => m.offset)).toEqual([SMALL - 1, SMALL]);
    expect((await api.browse({ topic: TOPIC, partition: 0, start: { offset: SMALL + 1 }, limit: 10 })).messages).toEqual([]);
    expect((await api.browse({ topic: TOPIC, partition: 1, start: { offset: 0 }, limit: 10 })).messages).toEqual([]);
  });

  it('starts at the first record at or after a time', async () => {
    const window = await api.browse({ topic: TOPIC, partition: 0, start: { timestamp: firstTimestamp + 12_500 }, limit: 2 });
    expect(window.messages.map((m) => m.offset)).toEqual([13, 14]);
  });

  it('shows a large value cut to the limit with its full size', async () => {
    const [large] = (await api.browse({ topic: TOPIC, partition: 0, start: { offset: SMALL }, limit: 1 })).messages;
    expect(large?.value).toEqual({ size: LARGE_VALUE_BYTES, encoding: 'text', text: 'x'.repeat(LIMITS.maxShownBytes), truncated: true });
  });

  it('refuses an unknown partition, produces a message with headers, and lists topics with offsets', async () => {
    await expect(api.browse({ topic: TOPIC, partition: 7, start: { offset: 0 }, limit: 1 })).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' });
    expect(await api.produce({ topic: TOPIC, partition: 1, key: 'from-api', value: 'hello', headers: { h: 'v' } })).toEqual({ partition: 1, offset: 0 });
    const [shown] = (await api.browse({ topic: TOPIC, partition: 1, start: { offset: 0 }, limit: 1 })).messages;
    expect([shown?.key.text, shown?.value.text, shown?.headers]).toEqual(['from-api', 'hello', [{ name: 'h', value: { size: 1, encoding: 'text', text: 'v', truncated: false } }]]);
    const topics = await api.topics();
    expect(topics.find((t) => t.name === TOPIC)?.partitions.map((p) => [p.partition, p.low, p.high])).toEqual([
      [0, 0, SMALL + 1],
      [1, 0, 1],
    ]);
  });
});
