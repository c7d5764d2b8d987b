import { ApiKeys, type SaslHandshakeRequest, type SaslHandshakeResponse } from '@quill/kafka-protocol';
import { AnswerThenClose, type KafkaHandler } from '../handler-registry.js';
import { kafkaErrorCode } from '../kafka-error-codes.js';

/**
 * SaslHandshake: the client names a mechanism; the answer lists the enabled ones. An unknown
 * mechanism or a second handshake is answered with its error and the connection closed, as Kafka.
 * v0 is advertised because librdkafka requires it in ApiVersions to use SASL at all, but a v0
 * handshake is answered UNSUPPORTED_VERSION and closed: after it the client would send raw SASL
 * tokens outside Kafka's framing, which Kafka clients have not done since SaslAuthenticate (Kafka 1.0).
 */
export function saslHandshakeKafkaHandler(): KafkaHandler<SaslHandshakeRequest> {
  return {
    apiKey: ApiKeys.SaslHandshake,
    handle: async (request, context): Promise<SaslHandshakeResponse | AnswerThenClose> => {
      const session = context.session;
      if (session === undefined) return new AnswerThenClose({ errorCode: kafkaErrorCode('ILLEGAL_SASL_STATE'), mechanisms: [] } satisfies SaslHandshakeResponse);
      if (context.header.apiVersion === 0) return new AnswerThenClose({ errorCode: kafkaErrorCode('UNSUPPORTED_VERSION'), mechanisms: [...session.enabledMechanisms] } satisfies SaslHandshakeResponse);
      const answer = session.handshake(request.mechanism);
      const mechanisms = [...session.enabledMechanisms];
      if (answer.kind === 'ok') return { errorCode: kafkaErrorCode('NONE'), mechanisms };
      const code = answer.kind === 'unsupported-mechanism' ? 'UNSUPPORTED_SASL_MECHANISM' : 'ILLEGAL_SASL_STATE';
      return new AnswerThenClose({ errorCode: kafkaErrorCode(code), mechanisms } satisfies SaslHandshakeResponse);
    },
  };
}
