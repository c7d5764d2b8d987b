import { ApiKeys, type IncrementalAlterConfigsResponse } from '@quill/kafka-protocol';
import { describe, expect, it } from 'vitest';
import { adminServices, requestAt } from './admin-services.test-data.js';
import { incrementalAlterConfigsHandler } from './incremental-alter-configs.js';

describe('IncrementalAlterConfigs', () => {
  it('maps Kafka’s operations to Quill’s, and refuses an unknown one for its resource only', async () => {
    const { services, call } = adminServices(() => ({ error: null, results: [{ resourceType: 'CONFIG_RESOURCE_TYPE_TOPIC', resourceName: 't', errorCode: 'NONE', errorMessage: '' }] }));
    const body = (await incrementalAlterConfigsHandler(services).handle(
      {
        resources: [
          {
            resourceType: 2,
            resourceName: 't',
            configs: [
              { name: 'retention.ms', configOperation: 0, value: '5' },
              { name: 'cleanup.policy', configOperation: 1, value: null },
              { name: 'a', configOperation: 2, value: 'x' },
              { name: 'b', configOperation: 3, value: 'y' },
            ],
          },
          { resourceType: 2, resourceName: 'u', configs: [{ name: 'retention.ms', configOperation: 9, value: '1' }] },
        ],
        validateOnly: false,
      },
      requestAt(ApiKeys.IncrementalAlterConfigs, 1),
    )) as IncrementalAlterConfigsResponse;
    expect(call).toHaveBeenCalledWith(
      'IncrementalAlterConfigs',
      {
        resources: [
          {
            resourceType: 'CONFIG_RESOURCE_TYPE_TOPIC',
            resourceName: 't',
            configs: [
              { name: 'retention.ms', op: 'ALTER_CONFIG_OP_SET', value: '5' },
              { name: 'cleanup.policy', op: 'ALTER_CONFIG_OP_DELETE' },
              { name: 'a', op: 'ALTER_CONFIG_OP_APPEND', value: 'x' },
              { name: 'b', op: 'ALTER_CONFIG_OP_SUBTRACT', value: 'y' },
            ],
          },
        ],
        validateOnly: false,
      },
      {},
    );
    expect(body.responses).toEqual([
      { resourceType: 2, resourceName: 't', errorCode: 0, errorMessage: null },
      { resourceType: 2, resourceName: 'u', errorCode: 42, errorMessage: expect.stringMatching(/operation 9/) },
    ]);
  });
});
