import { ApiKeys, type DeleteRecordsResponse } from '@quill/kafka-protocol';
import { QuillError } from '@quill/proto';
import { describe, expect, it } from 'vitest';
import { adminServices, requestAt } from './admin-services.test-data.js';
import { deleteRecordsHandler } from './delete-records.js';

describe('DeleteRecords', () => {
  it('moves each partition’s log start offset on its leader and answers the low watermark or the Kafka error', async () => {
    const { services, deleteRecords } = adminServices(() => ({}));
    deleteRecords.mockImplementation((_topic, partition, offset) => {
      if (partition === 1) throw new QuillError('NOT_LEADER_OR_FOLLOWER', 'not here');
      return offset === -1 ? 12 : offset;
    });
    const body = (await deleteRecordsHandler(services).handle(
      { topics: [{ name: 't', partitions: [{ partitionIndex: 0, offset: 5n }, { partitionIndex: 1, offset: 3n }, { partitionIndex: 2, offset: -1n }] }], timeoutMs: 1000 },
      requestAt(ApiKeys.DeleteRecords, 1),
    )) as DeleteRecordsResponse;
    expect(deleteRecords.mock.calls).toEqual([
      ['t', 0, 5, 1000],
      ['t', 1, 3, 1000],
      ['t', 2, -1, 1000],
    ]);
    expect(body).toEqual({
      throttleTimeMs: 0,
      topics: [
        {
          name: 't',
          partitions: [
            { partitionIndex: 0, lowWatermark: 5n, errorCode: 0 },
            { partitionIndex: 1, lowWatermark: -1n, errorCode: 6 },
            { partitionIndex: 2, lowWatermark: 12n, errorCode: 0 },
          ],
        },
      ],
    });
  });
});
