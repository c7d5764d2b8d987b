import { ApiKeys, type DescribeUserScramCredentialsRequest, type DescribeUserScramCredentialsResponse } from '@quill/kafka-protocol';
import type { DescribeUserScramCredentialsResponse__Output } from '@quill/proto';
import { toQuillError } from '../../errors.js';
import type { KafkaHandler } from '../handler-registry.js';
import { kafkaErrorCode, kafkaErrorCodeOf } from '../kafka-error-codes.js';
import type { KafkaServices } from '../kafka-services.js';
import { callController } from './controller-call.js';
import { scramMechanismType } from './scram-mechanism-types.js';

/** DescribeUserScramCredentials through the controller: mechanisms and iterations per user (null or empty users: all). */
export function describeUserScramCredentialsHandler(services: KafkaServices): KafkaHandler<DescribeUserScramCredentialsRequest> {
  return {
    apiKey: ApiKeys.DescribeUserScramCredentials,
    handle: async (request): Promise<DescribeUserScramCredentialsResponse> => {
      const answer = await callController<DescribeUserScramCredentialsResponse__Output>(services, 'DescribeUserScramCredentials', { users: (request.users ?? []).map((u) => u.name) });
      return {
        throttleTimeMs: 0,
        errorCode: 0,
        errorMessage: null,
        results: answer.results.map((r) => {
          const errorCode = kafkaErrorCode(r.errorCode);
          return {
            user: r.user,
            errorCode,
            errorMessage: errorCode === 0 ? null : r.errorMessage,
            credentialInfos: r.credentialInfos.map((c) => ({ mechanism: scramMechanismType(c.mechanism), iterations: c.iterations })),
          };
        }),
      };
    },
    errorResponse: (error): DescribeUserScramCredentialsResponse => ({
      throttleTimeMs: 0,
      errorCode: kafkaErrorCodeOf(error),
      errorMessage: toQuillError(error).message,
      results: [],
    }),
  };
}
