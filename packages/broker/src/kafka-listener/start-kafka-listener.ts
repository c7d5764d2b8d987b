import type { Clock } from '@quill/clock';
import type { Logger } from 'pino';
import type { BrokerConfig, HostPort } from '../config.js';
import { ACCESS_RULES } from './authorization/access-rules.js';
import { authorizingGuard } from './authorization/authorizing-handler.js';
import { metadataScopes } from './authorization/metadata-access-scope.js';
import { createDispatcher, type HandledObserver } from './dispatch.js';
import { kafkaHandlers } from './handlers/index.js';
import type { SaslAuthenticateDeps } from './handlers/sasl-authenticate.js';
import { kafkaCodec } from './kafka-codec.js';
import { kafkaListenerTls } from './kafka-listener-tls.js';
import { KafkaListener } from './kafka-listener.js';
import type { KafkaServices } from './kafka-services.js';
import { AuthenticationFailureLog } from './sasl/authentication-failure-log.js';
import { metadataSaslSessionDeps } from './sasl/metadata-credentials.js';
import { SaslSession } from './sasl/sasl-session.js';

/** Opens the broker's Kafka listener at `listen` with the broker's limits and security protocol. */
export async function startKafkaListener(config: BrokerConfig, listen: HostPort, clock: Clock, logger: Logger, services: KafkaServices, observe?: HandledObserver): Promise<KafkaListener> {
  const loaded = await kafkaListenerTls(config);
  const saslEnabled = config.kafkaSecurityProtocol === 'SASL_PLAINTEXT' || config.kafkaSecurityProtocol === 'SASL_SSL';
  const sessionDeps = metadataSaslSessionDeps(config.kafkaSaslEnabledMechanisms, () => services.broker.replicas.state);
  const authenticateDeps: SaslAuthenticateDeps = {
    clock,
    failedAuthenticationDelayMs: config.kafkaFailedAuthenticationDelayMs,
    failures: new AuthenticationFailureLog(clock, config.kafkaAuthenticationFailureLogIntervalMs, logger),
  };
  const guard = config.authorizerEnabled
    ? authorizingGuard(ACCESS_RULES, metadataScopes(() => services.broker.replicas.state, { superUsers: new Set(config.superUsers), allowEveryoneIfNoAclFound: config.allowEveryoneIfNoAclFound }))
    : undefined;
  return KafkaListener.start({
    host: listen.host,
    port: listen.port,
    dispatcher: createDispatcher(kafkaCodec, kafkaHandlers(kafkaCodec.versions, services, saslEnabled ? authenticateDeps : undefined, guard), logger, observe),
    limits: {
      maxFrameBytes: config.kafkaSocketRequestMaxBytes,
      maxInFlight: config.kafkaQueuedMaxRequests,
      idleMs: config.kafkaConnectionsMaxIdleMs,
      maxConnections: config.kafkaMaxConnections,
      warningIntervalMs: config.kafkaWarningIntervalMs,
    },
    ...(loaded === undefined ? {} : { tls: { loaded, reloadDebounceMs: config.sslReloadDebounceMs } }),
    ...(saslEnabled ? { sasl: { newSession: () => new SaslSession(sessionDeps), authenticationTimeoutMs: config.kafkaSaslAuthenticationTimeoutMs } } : {}),
    clock,
    logger,
  });
}
