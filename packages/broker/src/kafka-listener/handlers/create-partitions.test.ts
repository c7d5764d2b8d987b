import { ApiKeys, type CreatePartitionsResponse } from '@quill/kafka-protocol';
import { describe, expect, it } from 'vitest';
import { adminServices, requestAt } from './admin-services.test-data.js';
import { createPartitionsHandler } from './create-partitions.js';

describe('CreatePartitions', () => {
  it('numbers the new partitions’ assignments from the old count and answers per topic', async () => {
    const { services, call } = adminServices(() => ({
      error: null,
      topics: [
        { name: 'a', errorCode: 'NONE', errorMessage: '' },
        { name: 'b', errorCode: 'INVALID_PARTITIONS', errorMessage: 'fewer' },
      ],
    }));
    const body = (await createPartitionsHandler(services).handle(
      {
        topics: [
          { name: 'a', count: 5, assignments: [{ brokerIds: [1, 2] }, { brokerIds: [2, 3] }] },
          { name: 'b', count: 1, assignments: null },
        ],
        timeoutMs: 2000,
        validateOnly: true,
      },
      requestAt(ApiKeys.CreatePartitions, 1),
    )) as CreatePartitionsResponse;
    expect(call).toHaveBeenCalledWith(
      'CreatePartitions',
      {
        topics: [
          { name: 'a', count: 5, assignments: [{ partition: 3, brokerIds: [1, 2] }, { partition: 4, brokerIds: [2, 3] }] },
          { name: 'b', count: 1, assignments: [] },
        ],
        timeoutMs: 2000,
        validateOnly: true,
      },
      { timeoutMs: 2000 },
    );
    expect(body).toEqual({
      throttleTimeMs: 0,
      results: [
        { name: 'a', errorCode: 0, errorMessage: null },
        { name: 'b', errorCode: 37, errorMessage: 'fewer' },
      ],
    });
  });
});
