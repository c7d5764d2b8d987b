import { decodeRequest, encodeResponse, type MetadataRequest, type MetadataResponse } from '@quill/kafka-protocol';
import { describe, expect, it } from 'vitest';
import { brokerContext, TOPIC_ID } from './broker-context.test-data.js';
import { metadataKafkaHandler } from './metadata.js';

const context = (apiVersion: number) => ({ header: { apiKey: 3, apiVersion, correlationId: 1, clientId: 'c', bodyOffset: 0 }, clientAddress: 'x:1', logger: undefined as never });
const ask = (ctx: ReturnType<typeof brokerContext>['ctx'], request: MetadataRequest, apiVersion = 12) =>
  metadataKafkaHandler(ctx).handle(request, context(apiVersion)) as Promise<MetadataResponse>;

describe('Kafka Metadata', () => {
  it('lists live brokers at their KAFKA endpoint, a live broker as controller, and every topic for a null list', async () => {
    const { ctx } = brokerContext();
    const body = await ask(ctx, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    expect(body.brokers).toEqual([
      { nodeId: 1, host: 'k1', port: 29001, rack: 'rack-a' },
      { nodeId: 2, host: 'k2', port: 29002, rack: null },
    ]);
    expect(body.controllerId).toBe(1);
    expect(body.clusterId).toBe('cluster-x');
    expect(body.throttleTimeMs).toBe(0);
    expect(body.topics).toEqual([
      {
        errorCode: 0,
        name: 'orders',
        topicId: TOPIC_ID,
        isInternal: false,
        topicAuthorizedOperations: -2147483648,
        partitions: [
          { errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 3, replicaNodes: [1, 2, 4], isrNodes: [1, 2], offlineReplicas: [4] },
          { errorCode: 5, partitionIndex: 1, leaderId: -1, leaderEpoch: 4, replicaNodes: [4, 2], isrNodes: [4], offlineReplicas: [4] },
        ],
      },
    ]);
    // Every version encodes the answer (v0 without the fields it lacks).
    for (const version of [0, 1, 4, 9, 12]) expect(() => encodeResponse(3, version, 1, body)).not.toThrow();
  });

  it('answers an empty list with no topics from v1, and with every topic at v0', async () => {
    const { ctx } = brokerContext();
    expect((await ask(ctx, { topics: [] }, 1)).topics).toEqual([]);
    expect((await ask(ctx, { topics: [] }, 0)).topics.map((t) => t.name)).toEqual(['orders']);
  });

  it('answers unknown topics UNKNOWN_TOPIC_OR_PARTITION, and unknown topic ids UNKNOWN_TOPIC_ID', async () => {
    const { ctx, call } = brokerContext({ autoCreateTopicsEnable: true });
    const body = await ask(ctx, {
      topics: [{ name: 'nope', topicId: '00000000-0000-0000-0000-000000000000' }, { name: null, topicId: TOPIC_ID }, { name: null, topicId: '11111111-2222-3333-4444-555555555555' }],
      allowAutoTopicCreation: false,
    });
    expect(call).not.toHaveBeenCalled();
    expect(body.topics.map((t) => [t.name, t.errorCode])).toEqual([
      ['nope', 3],
      ['orders', 0],
      [null, 100],
    ]);
  });

  it('creates unknown topics through the controller when both the request and the broker allow it', async () => {
    const { ctx, call } = brokerContext({ autoCreateTopicsEnable: true });
    const body = await ask(ctx, { topics: [{ name: 'fresh' }], allowAutoTopicCreation: true }, 4);
    expect(call).toHaveBeenCalledWith('CreateTopics', { topics: [{ name: 'fresh', numPartitions: 3, replicationFactor: 3 }] });
    expect(body.topics).toMatchObject([{ name: 'fresh', errorCode: 5 }]);
  });

  it('answers the requested topics with LEADER_NOT_AVAILABLE before this broker has metadata', async () => {
    const { ctx } = brokerContext({}, null);
    const body = await ask(ctx, { topics: [{ name: 'orders' }] });
    expect(body.brokers).toEqual([]);
    expect(body.topics).toMatchObject([{ name: 'orders', errorCode: 5 }]);
  });

  it('decodes a KafkaJS-style v4 request', () => {
    const request = decodeRequest(3, 4, Buffer.from([0, 0, 0, 1, 0, 6, ...Buffer.from('orders'), 1]), 0) as MetadataRequest;
    expect(request).toMatchObject({ topics: [{ name: 'orders' }], allowAutoTopicCreation: true });
  });
});
