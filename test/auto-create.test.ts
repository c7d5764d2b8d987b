import type { Quill } from '@quill/client';
import { QuillError } from '@quill/proto';
import { ProcessCluster } from '@quill/testing';
import { afterEach, describe, expect, it } from 'vitest';

// auto.create.topics.enable: off by default (an unknown topic is an error), and when on, the first
// produce to an unknown topic creates it with the broker's defaults.

let cluster: ProcessCluster | undefined;
let quill: Quill | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = quill = undefined;
});

describe('automatic topic creation', () => {
  it('creates a topic on first use only when enabled', async () => {
    cluster = await ProcessCluster.start({ brokers: 2, controllers: 1, brokerArgs: ['--auto-create-topics', '--num-partitions', '3', '--default-replication-factor', '2'] });
    quill = cluster.client();
    const producer = quill.producer();
    await producer.connect();
    const [result] = await producer.send({ topic: 'born-on-first-use', acks: -1, messages: [{ key: 'k', value: 'v' }] });
    expect(result!.errorCode).toBe(0);
    const admin = quill.admin();
    await admin.connect();
    const metadata = await admin.fetchTopicMetadata({ topics: ['born-on-first-use'] });
    expect(metadata.topics[0]!.partitions).toHaveLength(3);
    expect(metadata.topics[0]!.partitions[0]!.replicas).toHaveLength(2);
    await producer.disconnect();
    await admin.disconnect();
  });

  it('refuses an unknown topic by default', async () => {
    cluster = await ProcessCluster.start({ brokers: 1, controllers: 1 });
    quill = cluster.client({ retry: { retries: 1, initialRetryTimeMs: 20 } });
    const producer = quill.producer();
    await producer.connect();
    const failure = await producer.send({ topic: 'never-created', messages: [{ value: 'v' }] }).catch((error: unknown) => error);
    expect((failure as QuillError).code).toBe('UNKNOWN_TOPIC_OR_PARTITION');
    await producer.disconnect();
  });
});
