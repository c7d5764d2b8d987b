import { ApiKeys, ZERO_UUID, type DeleteTopicsResponse } from '@quill/kafka-protocol';
import { QuillError } from '@quill/proto';
import { describe, expect, it } from 'vitest';
import { adminServices, requestAt } from './admin-services.test-data.js';
import { deleteTopicsHandler } from './delete-topics.js';

const ID = '0b6f5a52-3f1e-4c8e-9d3a-1f2e3d4c5b6a';
const answer = () => ({
  error: null,
  topics: [
    { name: 'a', topicId: ID, errorCode: 'NONE', errorMessage: '' },
    { name: '', topicId: ZERO_UUID, errorCode: 'UNKNOWN_TOPIC_ID', errorMessage: 'no such id' },
  ],
});

describe('DeleteTopics', () => {
  it('deletes by name (v0–5) and answers per topic with Kafka codes', async () => {
    const { services, call } = adminServices(answer);
    const body = (await deleteTopicsHandler(services).handle({ topicNames: ['a'], timeoutMs: 3000 }, requestAt(ApiKeys.DeleteTopics, 4))) as DeleteTopicsResponse;
    expect(call).toHaveBeenCalledWith('DeleteTopics', { names: ['a'], topicIds: [], timeoutMs: 3000 }, { timeoutMs: 3000 });
    expect(body.responses).toEqual([
      { name: 'a', topicId: ID, errorCode: 0, errorMessage: null },
      { name: null, topicId: ZERO_UUID, errorCode: 100, errorMessage: 'no such id' },
    ]);
  });

  it('deletes v6 topics by name or, when the name is null, by id', async () => {
    const { services, call } = adminServices(answer);
    await deleteTopicsHandler(services).handle({ topics: [{ name: 'a', topicId: ZERO_UUID }, { name: null, topicId: ID }], timeoutMs: 0 }, requestAt(ApiKeys.DeleteTopics, 6));
    expect(call).toHaveBeenCalledWith('DeleteTopics', { names: ['a'], topicIds: [ID], timeoutMs: 0 }, {});
  });

  it('answers a failed request with the error on every topic', () => {
    const { services } = adminServices(answer);
    const body = deleteTopicsHandler(services).errorResponse!(new QuillError('REQUEST_TIMED_OUT', 'slow'), { topics: [{ name: null, topicId: ID }], topicNames: ['a'], timeoutMs: 1 }, requestAt(ApiKeys.DeleteTopics, 6)) as DeleteTopicsResponse;
    expect(body.responses).toEqual([
      { name: 'a', topicId: ZERO_UUID, errorCode: 7, errorMessage: 'slow' },
      { name: null, topicId: ID, errorCode: 7, errorMessage: 'slow' },
    ]);
  });
});
