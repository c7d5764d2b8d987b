import type { Clock } from '@quill/clock';
import type { MetadataState } from '@quill/metadata';
import type { Logger } from 'pino';
import type { BrokerConfig } from '../../config.js';
import { metadataScopes } from '../../kafka-listener/authorization/metadata-access-scope.js';
import { AuthenticationFailureLog } from '../../kafka-listener/sasl/authentication-failure-log.js';
import { metadataSaslSessionDeps } from '../../kafka-listener/sasl/metadata-credentials.js';
import { SaslAuthenticator } from './sasl-authenticator.js';
import type { GrpcSecurity } from './secured-handlers.js';
import { SessionTokens } from './session-tokens.js';

type SecurityConfig = Pick<
  BrokerConfig,
  | 'securityProtocol'
  | 'kafkaSaslEnabledMechanisms'
  | 'kafkaFailedAuthenticationDelayMs'
  | 'kafkaSaslAuthenticationTimeoutMs'
  | 'kafkaAuthenticationFailureLogIntervalMs'
  | 'saslSessionLifetimeMs'
  | 'saslMaxSessions'
  | 'saslMaxHandshakes'
  | 'authorizerEnabled'
  | 'superUsers'
  | 'allowEveryoneIfNoAclFound'
>;

/**
 * The security of a broker's gRPC port from its config: SASL under SASL_PLAINTEXT and SASL_SSL
 * (the mechanisms, failed-authentication delay and log interval the Kafka listener uses too,
 * credentials from the metadata as it is now) and the ACLs with the authorizer on.
 */
export function grpcSecurity(config: SecurityConfig, currentState: () => MetadataState | undefined, clock: Clock, logger: Logger): GrpcSecurity {
  const saslEnabled = config.securityProtocol === 'SASL_PLAINTEXT' || config.securityProtocol === 'SASL_SSL';
  const session = metadataSaslSessionDeps(config.kafkaSaslEnabledMechanisms, currentState);
  const tokens = new SessionTokens({ clock, lifetimeMs: config.saslSessionLifetimeMs, maxSessions: config.saslMaxSessions, credentialOf: session.credentialOf });
  const authenticator = new SaslAuthenticator({
    clock,
    session,
    tokens,
    failedAuthenticationDelayMs: config.kafkaFailedAuthenticationDelayMs,
    failures: new AuthenticationFailureLog(clock, config.kafkaAuthenticationFailureLogIntervalMs, logger, 'gRPC port'),
    handshakeTimeoutMs: config.kafkaSaslAuthenticationTimeoutMs,
    maxHandshakes: config.saslMaxHandshakes,
  });
  return {
    ...(saslEnabled ? { sasl: { authenticator, tokens } } : {}),
    ...(config.authorizerEnabled ? { scopeOf: metadataScopes(currentState, { superUsers: new Set(config.superUsers), allowEveryoneIfNoAclFound: config.allowEveryoneIfNoAclFound }) } : {}),
  };
}
