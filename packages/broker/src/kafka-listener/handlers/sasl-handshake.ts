import { ApiKeys, type SaslHandshakeRequest, type SaslHandshakeResponse } from '@quill/kafka-protocol';
import { AnswerThenClose, type KafkaHandler } from '../handler-registry.js';
import { kafkaErrorCode } from '../kafka-error-codes.js';

/**
 * SaslHandshake: the client names a mechanism; the answer lists the enabled ones. An unknown
 * mechanism or a second handshake is answered with its error and the connection closed, as Kafka.
 * Only v1: after a v0 handshake the client sends raw SASL tokens outside Kafka's framing, which
 * Kafka clients have not done since SaslAuthenticate arrived (Kafka 1.0).
 */
export function saslHandshakeKafkaHandler(): KafkaHandler<SaslHandshakeRequest> {
  return {
    apiKey: ApiKeys.SaslHandshake,
    minVersion: 1,
    handle: async (request, context): Promise<SaslHandshakeResponse | AnswerThenClose> => {
      const session = context.session;
      if (session === undefined) return new AnswerThenClose({ errorCode: kafkaErrorCode('ILLEGAL_SASL_STATE'), mechanisms: [] } satisfies SaslHandshakeResponse);
      const answer = session.handshake(request.mechanism);
      const mechanisms = [...session.enabledMechanisms];
      if (answer.kind === 'ok') return { errorCode: kafkaErrorCode('NONE'), mechanisms };
      const code = answer.kind === 'unsupported-mechanism' ? 'UNSUPPORTED_SASL_MECHANISM' : 'ILLEGAL_SASL_STATE';
      return new AnswerThenClose({ errorCode: kafkaErrorCode(code), mechanisms } satisfies SaslHandshakeResponse);
    },
  };
}
