import { ApiKeys, type DescribeConfigsResponse } from '@quill/kafka-protocol';
import { describe, expect, it } from 'vitest';
import { adminServices, requestAt } from './admin-services.test-data.js';
import { describeConfigsHandler } from './describe-configs.js';

const answer = () => ({
  error: null,
  results: [
    {
      resourceType: 'CONFIG_RESOURCE_TYPE_TOPIC',
      resourceName: 't',
      errorCode: 'NONE',
      errorMessage: '',
      configs: [
        { name: 'cleanup.policy', value: 'delete', source: 'CONFIG_SOURCE_DEFAULT', readOnly: false, isSensitive: false },
        { name: 'retention.ms', value: '1000', source: 'CONFIG_SOURCE_TOPIC', readOnly: false, isSensitive: false },
      ],
    },
    { resourceType: 'CONFIG_RESOURCE_TYPE_CLUSTER', resourceName: '', errorCode: 'NONE', errorMessage: '', configs: [{ name: 'secret', source: 'CONFIG_SOURCE_DYNAMIC_CLUSTER', readOnly: true, isSensitive: true }] },
    { resourceType: 'CONFIG_RESOURCE_TYPE_BROKER', resourceName: '7', errorCode: 'RESOURCE_NOT_FOUND', errorMessage: 'no broker 7', configs: [] },
  ],
});

describe('DescribeConfigs', () => {
  const request = {
    resources: [
      { resourceType: 2, resourceName: 't', configurationKeys: null },
      { resourceType: 4, resourceName: '', configurationKeys: ['secret'] },
      { resourceType: 4, resourceName: '7', configurationKeys: null },
      { resourceType: 8, resourceName: '1', configurationKeys: null },
    ],
    includeSynonyms: true,
  };

  it('asks the controller for topics, brokers and the cluster default (a broker named "")', async () => {
    const { services, call } = adminServices(answer);
    await describeConfigsHandler(services).handle(request, requestAt(ApiKeys.DescribeConfigs, 1));
    expect(call).toHaveBeenCalledWith(
      'DescribeConfigs',
      {
        resources: [
          { resourceType: 'CONFIG_RESOURCE_TYPE_TOPIC', resourceName: 't', configNames: [] },
          { resourceType: 'CONFIG_RESOURCE_TYPE_CLUSTER', resourceName: '', configNames: ['secret'] },
          { resourceType: 'CONFIG_RESOURCE_TYPE_BROKER', resourceName: '7', configNames: [] },
        ],
      },
      {},
    );
  });

  it('answers every config with its value, source, default flag and synonym; errors per resource', async () => {
    const { services } = adminServices(answer);
    const body = (await describeConfigsHandler(services).handle(request, requestAt(ApiKeys.DescribeConfigs, 1))) as DescribeConfigsResponse;
    const [topic, cluster, broker, logger] = body.results;
    expect(topic).toMatchObject({ errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 't' });
    expect(topic!.configs).toEqual([
      { name: 'cleanup.policy', value: 'delete', readOnly: false, isDefault: true, configSource: 5, isSensitive: false, synonyms: [{ name: 'cleanup.policy', value: 'delete', source: 5 }], configType: 0, documentation: null },
      { name: 'retention.ms', value: '1000', readOnly: false, isDefault: false, configSource: 1, isSensitive: false, synonyms: [{ name: 'retention.ms', value: '1000', source: 1 }], configType: 0, documentation: null },
    ]);
    expect(cluster!.configs[0]).toMatchObject({ name: 'secret', value: null, readOnly: true, isSensitive: true, configSource: 3 });
    expect(broker).toMatchObject({ errorCode: 91, errorMessage: 'no broker 7', configs: [] });
    expect(logger).toMatchObject({ errorCode: 42, resourceType: 8, configs: [] });
  });

  it('leaves synonyms out unless asked for', async () => {
    const { services } = adminServices(answer);
    const body = (await describeConfigsHandler(services).handle({ resources: [request.resources[0]!], includeSynonyms: false }, requestAt(ApiKeys.DescribeConfigs, 2))) as DescribeConfigsResponse;
    expect(body.results[0]!.configs.every((c) => c.synonyms!.length === 0)).toBe(true);
  });
});
