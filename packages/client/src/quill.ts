import type { ChannelCredentials } from '@grpc/grpc-js';
import { SeededRandom, type Random } from '@quill/random';
import type { Logger } from 'pino';
import { Admin, type AdminOptions } from './admin/index.js';
import { Cluster } from './cluster/index.js';
import type { ClientContext } from './context.js';
import { Consumer, type ConsumerOptions } from './consumer/index.js';
import { PartitionAssigners, type GroupSettings } from './group/index.js';
import { createLogger, type LogLevel } from './logger.js';
import { ConnectionPool, channelCredentialsOf, type SaslOptions, type SslOptions } from './network/index.js';
import { DEFAULT_PRODUCER_SETTINGS, Producer, type ProducerOptions } from './producer/index.js';
import { checkOptions, type OptionTable } from './options/index.js';
import { ADMIN_OPTIONS, CONSUMER_OPTIONS, PRODUCER_OPTIONS, retryTable } from './quill-options.js';
import { DEFAULT_RETRY, sleep, type RetryConfig, type RetryOptions } from './retry/index.js';

/** Options of `new Quill(...)`. Names and defaults follow KafkaJS where it has them. */
export interface QuillConfig {
  /** Bootstrap brokers as `host:port`; any one of them is enough to find the others. */
  brokers: string[];
  /** Sent to brokers with every request (quotas, logs, group listings) and added to every log line. Default "quill". */
  clientId?: string;
  /** Default 'info' (or QUILL_LOG_LEVEL from the environment). */
  logLevel?: LogLevel;
  /** Log through your own pino logger (a child tagged with the client id) instead of stdout. */
  logger?: Logger;
  /** How failed requests are retried; unset fields keep KafkaJS's defaults (5 retries from 300 ms, ×2, ±20 %, ≤ 30 s). */
  retry?: RetryConfig;
  /** Deadline of a request, in ms. Default 30 000. */
  requestTimeoutMs?: number;
  /** KafkaJS's name for `requestTimeoutMs`. */
  requestTimeout?: number;
  /** Accepted for KafkaJS compatibility, without effect: a connection is made within the deadline of the request that needs it (`requestTimeoutMs`). */
  connectionTimeout?: number;
  /** Accepted for KafkaJS compatibility, without effect: a SASL exchange runs within the deadline of its requests (`requestTimeoutMs`). */
  authenticationTimeout?: number;
  /** With `sasl`: authenticate again this many ms before a broker session ends (KafkaJS's; default 10 000, at most half the session). */
  reauthenticationThreshold?: number;
  /**
   * SASL authentication with each broker, as KafkaJS's `sasl`: `{ mechanism: 'scram-sha-512' |
   * 'scram-sha-256' | 'plain', username, password }`, for brokers whose gRPC port runs
   * SASL_PLAINTEXT or SASL_SSL (with SASL_SSL, set `ssl` too). Default: none.
   */
  sasl?: SaslOptions;
  /**
   * TLS to the brokers' gRPC ports, as KafkaJS's `ssl`: true for TLS with Node's public roots, or
   * `{ ca, cert, key, rejectUnauthorized, servername }` (cert and key for brokers that require a
   * client certificate). Default: plaintext.
   */
  ssl?: boolean | SslOptions;
  /** Randomness for backoff jitter and partition choice. Default: seeded from the clock; pass a `SeededRandom` to reproduce a run. */
  random?: Random;
  /**
   * For tests only: `host:port` to dial in place of a broker address the cluster advertises, e.g.
   * `{ '127.0.0.1:9092': '127.0.0.1:40001' }` to reach that broker through a fault-injecting proxy.
   */
  addressOverrides?: Readonly<Record<string, string>>;
}

/** The names `new Quill()` takes (see checkOptions). */
export const QUILL_OPTIONS: OptionTable<QuillConfig> = {
  what: 'new Quill()',
  names: {
    brokers: 'option',
    clientId: 'option',
    logLevel: 'option',
    logger: 'option',
    retry: 'option',
    requestTimeoutMs: 'option',
    requestTimeout: { alias: 'requestTimeoutMs' },
    random: 'option',
    addressOverrides: 'option',
    ssl: 'option',
    sasl: 'option',
    reauthenticationThreshold: 'option',
    connectionTimeout: { ignored: 'a connection is made within the deadline of the request that needs it' },
    authenticationTimeout: { ignored: 'a SASL exchange runs within the deadline of its requests' },
  },
  refused: {
    socketFactory: { reason: 'brokers are reached over gRPC, not through sockets the client makes' },
    logCreator: { reason: "pass a pino logger as 'logger' instead" },
    enforceRequestTimeout: { reason: 'every request ends at requestTimeoutMs', accepts: (value) => value === true },
  },
};

const DEFAULT_CLIENT_ID = 'quill';
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** KafkaJS's metadataMaxAge. */
const DEFAULT_METADATA_MAX_AGE_MS = 300_000;
const DEFAULT_CONSUMER = {
  maxWaitTimeInMs: 5_000,
  minBytes: 1,
  maxBytes: 10 * 1024 * 1024,
  maxBytesPerPartition: 1024 * 1024,
} as const;

/** Kafka's and KafkaJS's group defaults. */
const DEFAULT_GROUP = {
  sessionTimeoutMs: 30_000,
  rebalanceTimeoutMs: 60_000,
  heartbeatIntervalMs: 3_000,
  maxPollIntervalMs: 300_000,
} as const;

interface ContextOverrides {
  component: 'producer' | 'consumer' | 'admin';
  retry: RetryConfig | undefined;
  metadataMaxAgeMs: number | undefined;
  allowAutoTopicCreation: boolean;
}

/**
 * The entry point of the SDK: holds the cluster address and client-wide options and makes
 * producers, consumers and admin clients. Each of those has its own connections and metadata
 * cache, and its own `connect()`/`disconnect()`.
 *
 * @example
 * import { Quill } from '@quill/client';
 *
 * const quill = new Quill({ clientId: 'billing', brokers: ['127.0.0.1:9092'] });
 * const producer = quill.producer();
 * await producer.connect();
 * await producer.send({ topic: 'invoices', messages: [{ key: 'customer-7', value: 'paid' }] });
 * await producer.disconnect();
 */
export class Quill {
  private readonly brokers: readonly string[];
  private readonly clientId: string;
  private readonly rootLogger: Logger;
  private readonly retryOptions: RetryOptions;
  private readonly requestTimeoutMs: number;
  private readonly random: Random;
  private readonly addressOverrides: Readonly<Record<string, string>> | undefined;
  private readonly credentials: ChannelCredentials | undefined;
  private readonly sasl: SaslOptions | undefined;
  private readonly reauthenticationThresholdMs: number | undefined;

  constructor(options: QuillConfig) {
    const config = checkOptions(QUILL_OPTIONS, options);
    if (!Array.isArray(config.brokers) || config.brokers.length === 0) {
      throw new TypeError('brokers must list at least one `host:port` address');
    }
    for (const address of config.brokers) {
      if (typeof address !== 'string' || !/^.+:\d{1,5}$/.test(address)) {
        throw new TypeError(`broker address ${JSON.stringify(address)} is not \`host:port\``);
      }
    }
    this.brokers = [...config.brokers];
    this.clientId = config.clientId ?? DEFAULT_CLIENT_ID;
    this.rootLogger = createLogger({ clientId: this.clientId, logLevel: config.logLevel, logger: config.logger });
    this.retryOptions = resolveRetry(DEFAULT_RETRY, config.retry, QUILL_OPTIONS.what);
    this.requestTimeoutMs = config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.random = config.random ?? new SeededRandom((Date.now() ^ (process.pid << 16)) >>> 0);
    this.addressOverrides = config.addressOverrides;
    this.credentials = channelCredentialsOf(config.ssl);
    this.sasl = config.sasl;
    this.reauthenticationThresholdMs = config.reauthenticationThreshold;
  }

  /** The client's pino logger. */
  logger(): Logger {
    return this.rootLogger;
  }

  /** A new producer. Call `connect()` before sending. */
  producer(given: ProducerOptions = {}): Producer {
    const options = checkOptions(PRODUCER_OPTIONS, given);
    const context = this.context({
      component: 'producer',
      retry: options.retry,
      metadataMaxAgeMs: options.metadataMaxAgeMs,
      allowAutoTopicCreation: options.allowAutoTopicCreation ?? true,
    });
    return new Producer(context, {
      idempotent: options.idempotent ?? true,
      partitioner: options.createPartitioner?.(),
      batchSize: options.batchSize ?? DEFAULT_PRODUCER_SETTINGS.batchSize,
      lingerMs: options.lingerMs ?? DEFAULT_PRODUCER_SETTINGS.lingerMs,
      maxRequestSize: options.maxRequestSize ?? DEFAULT_PRODUCER_SETTINGS.maxRequestSize,
      maxInFlightRequests: options.maxInFlightRequests ?? DEFAULT_PRODUCER_SETTINGS.maxInFlightRequests,
      maxBufferedBytes: options.maxBufferedBytes ?? DEFAULT_PRODUCER_SETTINGS.maxBufferedBytes,
      maxBlockMs: options.maxBlockMs ?? DEFAULT_PRODUCER_SETTINGS.maxBlockMs,
      compression: options.compression ?? DEFAULT_PRODUCER_SETTINGS.compression,
    });
  }

  /**
   * A new consumer. Call `connect()`, then `subscribe()` (with a `groupId`) or `assign()`
   * partitions, then `run()` or iterate `messages()`.
   */
  consumer(given: ConsumerOptions = {}): Consumer {
    const options = checkOptions(CONSUMER_OPTIONS, given);
    const group = groupSettings(options);
    const context = this.context({
      component: 'consumer',
      retry: options.retry,
      metadataMaxAgeMs: options.metadataMaxAgeMs,
      allowAutoTopicCreation: false,
    });
    return new Consumer(context, {
      maxWaitTimeInMs: options.maxWaitTimeInMs ?? DEFAULT_CONSUMER.maxWaitTimeInMs,
      minBytes: options.minBytes ?? DEFAULT_CONSUMER.minBytes,
      maxBytes: options.maxBytes ?? DEFAULT_CONSUMER.maxBytes,
      maxBytesPerPartition: options.maxBytesPerPartition ?? DEFAULT_CONSUMER.maxBytesPerPartition,
      isolationLevel: options.readUncommitted ? 'ISOLATION_LEVEL_READ_UNCOMMITTED' : 'ISOLATION_LEVEL_READ_COMMITTED',
      autoOffsetReset: options.autoOffsetReset ?? 'earliest',
    }, group);
  }

  /** A new admin client. Call `connect()` first. */
  admin(given: AdminOptions = {}): Admin {
    const options = checkOptions(ADMIN_OPTIONS, given);
    return new Admin(
      this.context({ component: 'admin', retry: options.retry, metadataMaxAgeMs: undefined, allowAutoTopicCreation: false }),
    );
  }

  private context(overrides: ContextOverrides): ClientContext {
    const logger = this.rootLogger.child({ component: overrides.component });
    const retry = resolveRetry(this.retryOptions, overrides.retry, `${overrides.component}()`);
    const pool = new ConnectionPool({
      clientId: this.clientId,
      logger,
      requestTimeoutMs: this.requestTimeoutMs,
      ...(this.addressOverrides === undefined ? {} : { addressOverrides: this.addressOverrides }),
      ...(this.credentials === undefined ? {} : { credentials: this.credentials }),
      ...(this.sasl === undefined ? {} : { sasl: this.sasl }),
      ...(this.reauthenticationThresholdMs === undefined ? {} : { reauthenticationThresholdMs: this.reauthenticationThresholdMs }),
    });
    const cluster = new Cluster({
      brokers: this.brokers,
      pool,
      logger,
      retry,
      random: this.random,
      sleep,
      metadataMaxAgeMs: overrides.metadataMaxAgeMs ?? DEFAULT_METADATA_MAX_AGE_MS,
      allowAutoTopicCreation: overrides.allowAutoTopicCreation,
    });
    return {
      cluster,
      logger,
      retry,
      random: this.random,
      sleep,
      now: Date.now,
      requestTimeoutMs: this.requestTimeoutMs,
    };
  }
}

function resolveRetry(base: Readonly<RetryOptions>, override: RetryConfig | undefined, what: string): RetryOptions {
  const merged = { ...base };
  const checked = override === undefined ? {} : checkOptions(retryTable(what), override);
  for (const [name, value] of Object.entries(checked) as Array<[keyof RetryOptions, number | undefined]>) {
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new RangeError(`retry.${name} must be a non-negative number, got ${String(value)}`);
    }
    merged[name] = value;
  }
  return merged;
}

/** The group settings of a consumer with a groupId, checked, with defaults; undefined without one. */
function groupSettings(options: ConsumerOptions): GroupSettings | undefined {
  if (options.groupId === undefined) return undefined;
  if (typeof options.groupId !== 'string' || options.groupId === '') throw new TypeError('groupId must be a non-empty string');
  const positive = (name: string, value: number | undefined, fallback: number): number => {
    const chosen = value ?? fallback;
    if (!Number.isSafeInteger(chosen) || chosen <= 0) throw new RangeError(`${name} must be a positive integer of ms, got ${String(value)}`);
    return chosen;
  };
  const sessionTimeoutMs = positive('sessionTimeout', options.sessionTimeout, DEFAULT_GROUP.sessionTimeoutMs);
  const heartbeatIntervalMs = positive('heartbeatInterval', options.heartbeatInterval, Math.min(DEFAULT_GROUP.heartbeatIntervalMs, Math.floor(sessionTimeoutMs / 3)));
  if (heartbeatIntervalMs >= sessionTimeoutMs) {
    throw new RangeError(`heartbeatInterval (${heartbeatIntervalMs} ms) must be below sessionTimeout (${sessionTimeoutMs} ms)`);
  }
  const assignors = options.partitionAssigners ?? [PartitionAssigners.roundRobin];
  if (assignors.length === 0) throw new RangeError('partitionAssigners must name at least one assignor');
  if (options.groupInstanceId !== undefined && (typeof options.groupInstanceId !== 'string' || options.groupInstanceId === '')) {
    throw new TypeError('groupInstanceId must be a non-empty string');
  }
  return {
    groupId: options.groupId,
    sessionTimeoutMs,
    rebalanceTimeoutMs: positive('rebalanceTimeout', options.rebalanceTimeout, DEFAULT_GROUP.rebalanceTimeoutMs),
    heartbeatIntervalMs,
    maxPollIntervalMs: positive('maxPollIntervalMs', options.maxPollIntervalMs, DEFAULT_GROUP.maxPollIntervalMs),
    metadataMaxAgeMs: positive('metadataMaxAgeMs', options.metadataMaxAgeMs, DEFAULT_METADATA_MAX_AGE_MS),
    groupInstanceId: options.groupInstanceId,
    assignors,
  };
}
