import type { Clock } from '@quill/clock';
import type { Logger } from 'pino';
import type { BrokerConfig, HostPort } from '../config.js';
import { createDispatcher, type HandledObserver } from './dispatch.js';
import { kafkaHandlers } from './handlers/index.js';
import { kafkaCodec } from './kafka-codec.js';
import { kafkaListenerTls } from './kafka-listener-tls.js';
import { KafkaListener } from './kafka-listener.js';
import type { KafkaServices } from './kafka-services.js';

/** Opens the broker's Kafka listener at `listen` with the broker's limits and security protocol. */
export async function startKafkaListener(config: BrokerConfig, listen: HostPort, clock: Clock, logger: Logger, services: KafkaServices, observe?: HandledObserver): Promise<KafkaListener> {
  const loaded = await kafkaListenerTls(config);
  return KafkaListener.start({
    host: listen.host,
    port: listen.port,
    dispatcher: createDispatcher(kafkaCodec, kafkaHandlers(kafkaCodec.versions, services), logger, observe),
    limits: {
      maxFrameBytes: config.kafkaSocketRequestMaxBytes,
      maxInFlight: config.kafkaQueuedMaxRequests,
      idleMs: config.kafkaConnectionsMaxIdleMs,
      maxConnections: config.kafkaMaxConnections,
      warningIntervalMs: config.kafkaWarningIntervalMs,
    },
    ...(loaded === undefined ? {} : { tls: { loaded, reloadDebounceMs: config.sslReloadDebounceMs } }),
    clock,
    logger,
  });
}

