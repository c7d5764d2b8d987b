import type { Clock } from '@quill/clock';
import { pino } from 'pino';
import { resolveBrokerConfig, type BrokerConfig } from '../config.js';
import { LogManager } from '../log-manager/log-manager.js';
import { ReplicaManager, type FollowerFetching, type ReplicaManagerDeps } from '../replica-manager/replica-manager.js';

export interface ReplicaManagerOnDiskOptions {
  nodeId: number;
  dataDir: string;
  /** Broker settings beyond the fixture's (flush policy `os`, no controllers). */
  config?: Partial<BrokerConfig>;
  /** The controller's AlterPartition; by default every proposal is refused (a lone replica has no ISR to change). */
  alterPartition?: ReplicaManagerDeps['alterPartition'];
  clock?: Clock;
  /** Where followed partitions fetch from; by default nowhere. */
  fetching?: FollowerFetching;
}

/** Retention checks once a minute: a test sees retention only when it causes one. */
const RETENTION_CHECK_INTERVAL_MS = 60_000;

/**
 * A ReplicaManager on real logs under `dataDir`, with nothing to fetch from unless given; `stop()` stops it and
 * its logs (the caller removes the directory).
 */
export function replicaManagerOnDisk(options: ReplicaManagerOnDiskOptions): { replicas: ReplicaManager; stop: () => Promise<void> } {
  const logger = pino({ level: 'silent' });
  const config = resolveBrokerConfig({
    nodeId: options.nodeId,
    clusterId: 'c',
    listen: { host: '127.0.0.1', port: 0 },
    controllers: [],
    dataDir: options.dataDir,
    flushPolicy: 'os',
    ...options.config,
  });
  const logs = new LogManager(options.dataDir, logger, RETENTION_CHECK_INTERVAL_MS);
  const replicas = new ReplicaManager({
    config,
    logManager: logs,
    logger,
    fetching: options.fetching ?? { follow: () => undefined, unfollow: () => undefined },
    brokerEpoch: () => 1,
    alterPartition: options.alterPartition ?? (() => Promise.reject(new Error('a single-replica partition has no ISR to change'))),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  return {
    replicas,
    stop: async () => {
      await replicas.stop();
      await logs.stop();
    },
  };
}
