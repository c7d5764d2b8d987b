import { tuneGarbageCollectionForBroker } from '@quill/broker';
import { QuillError, type LogLevel, type Quill } from '@quill/client';
import { ProcessCluster } from '@quill/testing';
import { findTopic, openQuill } from '../client-options.js';
import type { ClientSecurityArgs } from '../client-security/client-security.js';

export const FLUSH_POLICIES = ['os', 'group-commit', 'every-batch'] as const;
export type FlushPolicy = (typeof FLUSH_POLICIES)[number];

/** Deadline of each request of the benchmark clients: a loaded two-core machine can be slow to answer. */
const BENCH_REQUEST_TIMEOUT_MS = 30_000;

/** Where a benchmark runs: brokers given with --bootstrap, or a cluster it started (--start-cluster). */
export interface BenchTarget {
  bootstrap: string;
  /** host:port list of the brokers' Kafka wire-protocol listeners, when known (for Kafka clients). */
  kafkaBootstrap: string | undefined;
  logLevel: LogLevel | undefined;
  /** /metrics URLs of the brokers and of every node (brokers and controllers), when known. */
  metricsUrls: { brokers: string[]; all: string[] } | undefined;
  /** How the benchmark's clients connect to a secure cluster it started (plaintext when unset). */
  security?: ClientSecurityArgs;
  /** Stops the cluster the benchmark started; nothing for a cluster given with --bootstrap. */
  stop(): Promise<void>;
}

export interface TargetOptions {
  bootstrap: string;
  startCluster: boolean;
  /** The Kafka listeners of the brokers given with `bootstrap` (a started cluster knows its own). */
  kafkaBootstrap?: string | undefined;
  flushPolicy: FlushPolicy | undefined;
  logLevel: LogLevel | undefined;
  /** /metrics URLs of the nodes given with `bootstrap` (a started cluster knows its own). */
  metricsUrls?: string[] | undefined;
  /** With `startCluster`: TLS with client certificates and SASL_SSL/SCRAM-SHA-512 on the gRPC ports, the authorizer on. */
  secure?: boolean;
}

/**
 * The cluster to measure. With `startCluster`, three controllers and three brokers as separate
 * processes on loopback (the docker-compose layout), brokers with `flushPolicy` (their default,
 * group-commit, when unset); its data lives in a temp directory that `stop()` deletes.
 *
 * Gives this process (the `quill bench` CLI) the brokers' GC setting: a benchmark client streams
 * large buffers through a small live heap just as a broker does, and with V8's default growing
 * factor GC took 26% of its busy time (docs/benchmarks/round-1.md). Only the CLI calls this, so no host
 * of the client library gets its GC changed.
 */
export async function openTarget(options: TargetOptions, progress: (line: string) => void): Promise<BenchTarget> {
  tuneGarbageCollectionForBroker();
  if (!options.startCluster) {
    const given = options.metricsUrls === undefined ? undefined : { brokers: options.metricsUrls, all: options.metricsUrls };
    return { bootstrap: options.bootstrap, kafkaBootstrap: options.kafkaBootstrap, logLevel: options.logLevel, metricsUrls: given, stop: async () => undefined };
  }
  const started = performance.now();
  const cluster = await ProcessCluster.start({
    brokers: 3,
    controllers: 3,
    clusterId: 'quill-bench',
    logLevel: 'warn',
    brokerArgs: options.flushPolicy === undefined ? [] : ['--flush-policy', options.flushPolicy],
    secure: options.secure ?? false,
  });
  progress(
    `Started 3 controllers and 3 brokers (flush policy ${options.flushPolicy ?? 'group-commit'}${options.secure ? ', SASL_SSL/SCRAM-SHA-512' : ''}) in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
      `bootstrap ${cluster.bootstrap.join(',')}.`,
  );
  // ProcessCluster lists the brokers' URLs first.
  const metricsUrls = { brokers: cluster.metricsUrls.slice(0, cluster.bootstrap.length), all: cluster.metricsUrls };
  const credentials = cluster.clientCredentials;
  const security: ClientSecurityArgs | undefined =
    credentials === undefined
      ? undefined
      : {
          securityProtocol: 'SASL_SSL',
          saslMechanism: 'SCRAM-SHA-512',
          saslUsername: credentials.username,
          saslPassword: credentials.password,
          sslCaLocation: credentials.caLocation,
          sslCertificateLocation: credentials.certificateLocation,
          sslKeyLocation: credentials.keyLocation,
        };
  return {
    bootstrap: cluster.bootstrap.join(','),
    kafkaBootstrap: cluster.kafkaBootstrap.join(','),
    logLevel: options.logLevel,
    metricsUrls,
    ...(security === undefined ? {} : { security }),
    stop: () => cluster.stop(),
  };
}

/** A client of its own (connections, metadata) for one producer or consumer of a benchmark. */
export function benchClient(target: BenchTarget): Quill {
  return openQuill({ bootstrap: target.bootstrap, logLevel: target.logLevel, requestTimeoutMs: BENCH_REQUEST_TIMEOUT_MS, ...target.security });
}

/**
 * Creates `topic` unless it exists and returns its partition ids. An existing topic is used as
 * it is; a partition count other than the one asked for is reported, as the figures depend on it.
 */
export async function ensureTopic(
  quill: Quill,
  topic: string,
  partitions: number,
  replicationFactor: number,
  progress: (line: string) => void,
): Promise<number[]> {
  const admin = quill.admin();
  try {
    await admin.connect();
    const created = await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor }] });
    // By name: the client retries while a topic just created has not reached every broker.
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    const ids = findTopic(topics, topic).partitions.map((p) => p.partitionId);
    if (created) progress(`Created topic ${topic}: ${partitions} partition${partitions === 1 ? '' : 's'}, replication factor ${replicationFactor}.`);
    else if (ids.length !== partitions) progress(`Topic ${topic} exists with ${ids.length} partitions (not ${partitions}); using it as it is.`);
    if (ids.length === 0) throw new QuillError('UNKNOWN_TOPIC_OR_PARTITION', `Topic '${topic}' has no partitions.`);
    return ids.sort((a, b) => a - b);
  } finally {
    await admin.disconnect();
  }
}
