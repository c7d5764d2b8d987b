import type { Clock } from '@quill/clock';
import { ApiKeys, type SaslAuthenticateRequest, type SaslAuthenticateResponse } from '@quill/kafka-protocol';
import type { AuthenticationFailureLog } from '../sasl/authentication-failure-log.js';
import { AnswerThenClose, type KafkaHandler } from '../handler-registry.js';
import { kafkaErrorCode } from '../kafka-error-codes.js';

export interface SaslAuthenticateDeps {
  clock: Clock;
  /** connection.failed.authentication.delay.ms: how long a failed authentication waits before its answer and close. */
  failedAuthenticationDelayMs: number;
  failures: AuthenticationFailureLog;
}

const NO_BYTES = Buffer.alloc(0);

/**
 * SaslAuthenticate: one token of the exchange the handshake chose, answered with the server's
 * token. A failure is logged (rate-limited per client host), held for the failed-authentication
 * delay so a guessing client slows down, then answered with SASL_AUTHENTICATION_FAILED and the
 * connection closed, as Kafka. Authentication before a handshake is ILLEGAL_SASL_STATE.
 */
export function saslAuthenticateKafkaHandler(deps: SaslAuthenticateDeps): KafkaHandler<SaslAuthenticateRequest> {
  const refuse = (code: 'SASL_AUTHENTICATION_FAILED' | 'ILLEGAL_SASL_STATE', errorMessage: string): AnswerThenClose =>
    new AnswerThenClose({ errorCode: kafkaErrorCode(code), errorMessage, authBytes: NO_BYTES, sessionLifetimeMs: 0n } satisfies SaslAuthenticateResponse);
  return {
    apiKey: ApiKeys.SaslAuthenticate,
    handle: async (request, context): Promise<SaslAuthenticateResponse | AnswerThenClose> => {
      const session = context.session;
      const step = session === undefined ? ({ kind: 'illegal-state' } as const) : session.authenticate(request.authBytes);
      if (step.kind === 'illegal-state') return refuse('ILLEGAL_SASL_STATE', 'SaslAuthenticate before a successful SaslHandshake');
      if (step.kind === 'failed') {
        deps.failures.record(context.clientAddress, { mechanism: session?.mechanism, reason: step.reason, ...(step.user === undefined ? {} : { user: step.user }) });
        await new Promise<void>((resolve) => deps.clock.setTimeout(resolve, deps.failedAuthenticationDelayMs));
        return refuse('SASL_AUTHENTICATION_FAILED', step.clientMessage);
      }
      return { errorCode: kafkaErrorCode('NONE'), errorMessage: null, authBytes: step.token, sessionLifetimeMs: 0n };
    },
  };
}
