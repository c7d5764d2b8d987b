import { ApiKeys, type AlterUserScramCredentialsRequest, type AlterUserScramCredentialsResponse } from '@quill/kafka-protocol';
import type { AlterUserScramCredentialsResponse__Output } from '@quill/proto';
import { toQuillError } from '../../errors.js';
import type { KafkaHandler } from '../handler-registry.js';
import { kafkaErrorCode, kafkaErrorCodeOf } from '../kafka-error-codes.js';
import type { KafkaServices } from '../kafka-services.js';
import { callController } from './controller-call.js';
import { scramMechanismName } from './scram-mechanism-types.js';

/** AlterUserScramCredentials through the controller, as the gRPC call: one result per user. */
export function alterUserScramCredentialsHandler(services: KafkaServices): KafkaHandler<AlterUserScramCredentialsRequest> {
  return {
    apiKey: ApiKeys.AlterUserScramCredentials,
    handle: async (request): Promise<AlterUserScramCredentialsResponse> => {
      const answer = await callController<AlterUserScramCredentialsResponse__Output>(services, 'AlterUserScramCredentials', {
        deletions: request.deletions.map((d) => ({ name: d.name, mechanism: scramMechanismName(d.mechanism) })),
        upsertions: request.upsertions.map((u) => ({ name: u.name, mechanism: scramMechanismName(u.mechanism), iterations: u.iterations, salt: u.salt, saltedPassword: u.saltedPassword })),
      });
      return {
        throttleTimeMs: 0,
        results: answer.results.map((r) => {
          const errorCode = kafkaErrorCode(r.errorCode);
          return { user: r.user, errorCode, errorMessage: errorCode === 0 ? null : r.errorMessage };
        }),
      };
    },
    errorResponse: (error, request): AlterUserScramCredentialsResponse => {
      const errorCode = kafkaErrorCodeOf(error);
      const errorMessage = toQuillError(error).message;
      const users = [...new Set([...request.deletions, ...request.upsertions].map((a) => a.name))];
      return { throttleTimeMs: 0, results: users.map((user) => ({ user, errorCode, errorMessage })) };
    },
  };
}
