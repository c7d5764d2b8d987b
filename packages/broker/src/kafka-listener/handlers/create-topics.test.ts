import { ApiKeys, ZERO_UUID, type CreateTopicsResponse } from '@quill/kafka-protocol';
import { QuillError } from '@quill/proto';
import { describe, expect, it } from 'vitest';
import { adminServices, requestAt } from './admin-services.test-data.js';
import { createTopicsHandler } from './create-topics.js';

const request = {
  topics: [
    { name: 'a', numPartitions: 3, replicationFactor: 2, assignments: [], configs: [{ name: 'retention.ms', value: '1000' }, { name: 'cleanup.policy', value: null }] },
    { name: 'b', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [2, 1] }], configs: [] },
  ],
  timeoutMs: 4000,
  validateOnly: false,
};

const controllerAnswer = (method: string) =>
  method === 'CreateTopics'
    ? {
        error: null,
        topics: [
          { name: 'a', topicId: '0b6f5a52-3f1e-4c8e-9d3a-1f2e3d4c5b6a', errorCode: 'NONE', errorMessage: '', numPartitions: 3, replicationFactor: 2 },
          { name: 'b', topicId: '', errorCode: 'TOPIC_ALREADY_EXISTS', errorMessage: "Topic 'b' already exists.", numPartitions: 0, replicationFactor: 0 },
        ],
      }
    : { error: null, results: [{ resourceType: 'CONFIG_RESOURCE_TYPE_TOPIC', resourceName: 'a', errorCode: 'NONE', configs: [{ name: 'retention.ms', value: '1000', source: 'CONFIG_SOURCE_TOPIC', readOnly: false, isSensitive: false }] }] };

describe('CreateTopics', () => {
  it('forwards the topics to the controller with the request timeout, null configs left out', async () => {
    const { services, call } = adminServices(controllerAnswer);
    await createTopicsHandler(services).handle(request, requestAt(ApiKeys.CreateTopics, 4));
    expect(call).toHaveBeenCalledTimes(1);
    expect(call).toHaveBeenCalledWith(
      'CreateTopics',
      {
        topics: [
          { name: 'a', numPartitions: 3, replicationFactor: 2, assignments: [], configs: { 'retention.ms': '1000' } },
          { name: 'b', numPartitions: -1, replicationFactor: -1, assignments: [{ partition: 0, brokerIds: [2, 1] }], configs: {} },
        ],
        timeoutMs: 4000,
        validateOnly: false,
      },
      { timeoutMs: 4000 },
    );
  });

  it('answers per topic, from v5 with the created topic’s configs', async () => {
    const { services, call } = adminServices(controllerAnswer);
    const body = (await createTopicsHandler(services).handle(request, requestAt(ApiKeys.CreateTopics, 7))) as CreateTopicsResponse;
    expect(call).toHaveBeenLastCalledWith('DescribeConfigs', { resources: [{ resourceType: 'CONFIG_RESOURCE_TYPE_TOPIC', resourceName: 'a', configNames: [] }] }, {});
    expect(body.topics).toEqual([
      {
        name: 'a',
        topicId: '0b6f5a52-3f1e-4c8e-9d3a-1f2e3d4c5b6a',
        errorCode: 0,
        errorMessage: null,
        topicConfigErrorCode: 0,
        numPartitions: 3,
        replicationFactor: 2,
        configs: [{ name: 'retention.ms', value: '1000', readOnly: false, configSource: 1, isSensitive: false }],
      },
      { name: 'b', topicId: ZERO_UUID, errorCode: 36, errorMessage: "Topic 'b' already exists.", topicConfigErrorCode: 0, numPartitions: -1, replicationFactor: -1, configs: null },
    ]);
  });

  it('answers a failed request with the error on every topic', () => {
    const { services } = adminServices(controllerAnswer);
    const body = createTopicsHandler(services).errorResponse!(new QuillError('NOT_CONTROLLER', 'none'), request, requestAt(ApiKeys.CreateTopics, 7)) as CreateTopicsResponse;
    expect(body).toMatchObject({ topics: [{ name: 'a', errorCode: 41, errorMessage: 'none' }, { name: 'b', errorCode: 41 }] });
  });
});
