import { ApiKeys, type AlterConfigsResponse } from '@quill/kafka-protocol';
import { QuillError } from '@quill/proto';
import { describe, expect, it } from 'vitest';
import { adminServices, requestAt } from './admin-services.test-data.js';
import { alterConfigsHandler } from './alter-configs.js';

const answer = () => ({
  error: null,
  results: [
    { resourceType: 'CONFIG_RESOURCE_TYPE_BROKER', resourceName: '1', errorCode: 'INVALID_CONFIG', errorMessage: 'bad rate' },
    { resourceType: 'CONFIG_RESOURCE_TYPE_TOPIC', resourceName: 't', errorCode: 'NONE', errorMessage: '' },
  ],
});

describe('AlterConfigs', () => {
  const request = {
    resources: [
      { resourceType: 2, resourceName: 't', configs: [{ name: 'retention.ms', value: '5' }, { name: 'cleanup.policy', value: null }] },
      { resourceType: 4, resourceName: '1', configs: [{ name: 'follower.replication.throttled.rate', value: '0' }] },
    ],
    validateOnly: true,
  };

  it('replaces each resource’s config set through the controller and answers in the request’s order', async () => {
    const { services, call } = adminServices(answer);
    const body = (await alterConfigsHandler(services).handle(request, requestAt(ApiKeys.AlterConfigs, 1))) as AlterConfigsResponse;
    expect(call).toHaveBeenCalledWith(
      'AlterConfigs',
      {
        resources: [
          { resourceType: 'CONFIG_RESOURCE_TYPE_TOPIC', resourceName: 't', configs: { 'retention.ms': '5' } },
          { resourceType: 'CONFIG_RESOURCE_TYPE_BROKER', resourceName: '1', configs: { 'follower.replication.throttled.rate': '0' } },
        ],
        validateOnly: true,
      },
      {},
    );
    expect(body.responses).toEqual([
      { resourceType: 2, resourceName: 't', errorCode: 0, errorMessage: null },
      { resourceType: 4, resourceName: '1', errorCode: 40, errorMessage: 'bad rate' },
    ]);
  });

  it('answers a failed request with the error on every resource', () => {
    const { services } = adminServices(answer);
    const body = alterConfigsHandler(services).errorResponse!(new QuillError('NOT_CONTROLLER', 'none'), request, requestAt(ApiKeys.AlterConfigs, 0)) as AlterConfigsResponse;
    expect(body.responses.map((r) => r.errorCode)).toEqual([41, 41]);
  });
});
