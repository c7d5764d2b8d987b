import { ApiKeys, type AlterUserScramCredentialsResponse, type DescribeUserScramCredentialsResponse } from '@quill/kafka-protocol';
import { QuillError } from '@quill/proto';
import { describe, expect, it } from 'vitest';
import { adminServices, requestAt } from './admin-services.test-data.js';
import { alterUserScramCredentialsHandler } from './alter-user-scram-credentials.js';
import { describeUserScramCredentialsHandler } from './describe-user-scram-credentials.js';

const salt = Buffer.from('salt');
const saltedPassword = Buffer.alloc(64, 9);

describe('AlterUserScramCredentials', () => {
  it("forwards Kafka's mechanism numbers as SASL names and answers per user with Kafka error codes", async () => {
    const { services, call } = adminServices(() => ({
      error: null,
      results: [
        { user: 'alice', errorCode: 'NONE', errorMessage: '' },
        { user: 'bob', errorCode: 'UNACCEPTABLE_CREDENTIAL', errorMessage: 'Too few iterations' },
        { user: 'carol', errorCode: 'UNSUPPORTED_SASL_MECHANISM', errorMessage: 'Unknown SCRAM mechanism' },
      ],
    }));
    const request = {
      deletions: [{ name: 'carol', mechanism: 0 }],
      upsertions: [
        { name: 'alice', mechanism: 2, iterations: 4096, salt, saltedPassword },
        { name: 'bob', mechanism: 1, iterations: 10, salt, saltedPassword },
      ],
    };
    const body = (await alterUserScramCredentialsHandler(services).handle(request, requestAt(ApiKeys.AlterUserScramCredentials, 0))) as AlterUserScramCredentialsResponse;
    expect(call).toHaveBeenCalledWith(
      'AlterUserScramCredentials',
      {
        deletions: [{ name: 'carol', mechanism: 'UNKNOWN-0' }],
        upsertions: [
          { name: 'alice', mechanism: 'SCRAM-SHA-512', iterations: 4096, salt, saltedPassword },
          { name: 'bob', mechanism: 'SCRAM-SHA-256', iterations: 10, salt, saltedPassword },
        ],
      },
      {},
    );
    expect(body.results).toEqual([
      { user: 'alice', errorCode: 0, errorMessage: null },
      { user: 'bob', errorCode: 93, errorMessage: 'Too few iterations' },
      { user: 'carol', errorCode: 33, errorMessage: 'Unknown SCRAM mechanism' },
    ]);
  });

  it('answers a failed call for every user named', () => {
    const { services } = adminServices(() => ({}));
    const request = { deletions: [{ name: 'a', mechanism: 1 }], upsertions: [{ name: 'a', mechanism: 2, iterations: 4096, salt, saltedPassword }, { name: 'b', mechanism: 2, iterations: 4096, salt, saltedPassword }] };
    const body = alterUserScramCredentialsHandler(services).errorResponse!(new QuillError('NOT_CONTROLLER', 'no controller'), request, requestAt(ApiKeys.AlterUserScramCredentials, 0)) as AlterUserScramCredentialsResponse;
    expect(body.results.map((r) => [r.user, r.errorCode])).toEqual([
      ['a', 41],
      ['b', 41],
    ]);
  });
});

describe('DescribeUserScramCredentials', () => {
  it('describes mechanisms as Kafka numbers with iterations; null users asks for all', async () => {
    const { services, call } = adminServices(() => ({
      error: null,
      results: [
        { user: 'alice', errorCode: 'NONE', errorMessage: '', credentialInfos: [{ mechanism: 'SCRAM-SHA-256', iterations: 4096 }, { mechanism: 'SCRAM-SHA-512', iterations: 8192 }] },
        { user: 'zed', errorCode: 'RESOURCE_NOT_FOUND', errorMessage: 'Attempt to describe a user credential that does not exist', credentialInfos: [] },
      ],
    }));
    const body = (await describeUserScramCredentialsHandler(services).handle({ users: null }, requestAt(ApiKeys.DescribeUserScramCredentials, 0))) as DescribeUserScramCredentialsResponse;
    expect(call).toHaveBeenCalledWith('DescribeUserScramCredentials', { users: [] }, {});
    expect(body).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      results: [
        { user: 'alice', errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: 1, iterations: 4096 }, { mechanism: 2, iterations: 8192 }] },
        { user: 'zed', errorCode: 91, errorMessage: 'Attempt to describe a user credential that does not exist', credentialInfos: [] },
      ],
    });
  });
});
