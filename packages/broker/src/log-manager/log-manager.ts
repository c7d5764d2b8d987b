import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_LOG_CONFIG, GroupCommitScheduler, LogMaintenance, PartitionLog, type FlushPolicy, type LogConfig } from '@quill/storage';
import type { Logger } from 'pino';

const TOPIC_ID_FILE = 'partition.metadata';

/**
 * The logs of this broker's replicas, one directory `<topic>-<partition>` each (Kafka's layout).
 * Logs with the same `flush.interval.ms` share one group-commit scheduler, so a single fsync
 * round covers all their partitions; all share one background retention/compaction loop.
 */
export class LogManager {
  /** By flush interval in ms. */
  private readonly schedulers = new Map<number, GroupCommitScheduler>();
  readonly maintenance: LogMaintenance;

  constructor(
    private readonly dataDir: string,
    private readonly logger: Logger,
    retentionCheckIntervalMs: number,
  ) {
    fs.mkdirSync(dataDir, { recursive: true });
    this.maintenance = new LogMaintenance({ logger, retentionCheckIntervalMs });
  }

  start(): void {
    this.maintenance.start();
  }

  private dirFor(topic: string, partition: number): string {
    return path.join(this.dataDir, `${topic}-${partition}`);
  }

  /**
   * Opens (creating if needed) the log of a replica. A directory left by an earlier topic of the
   * same name (another topic id) is removed first: its data belongs to a deleted topic.
   */
  async open(topic: string, topicId: string, partition: number, config: Partial<LogConfig>, upperBound: () => number): Promise<PartitionLog> {
    const dir = this.dirFor(topic, partition);
    const idFile = path.join(dir, TOPIC_ID_FILE);
    if (fs.existsSync(idFile) && fs.readFileSync(idFile, 'utf8').trim() !== topicId) {
      this.logger.warn({ dir }, 'removing the log of an earlier topic with the same name');
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const log = await PartitionLog.open(dir, { config, logger: this.logger, flushScheduler: this.schedulerFor(config.flushIntervalMs ?? DEFAULT_LOG_CONFIG.flushIntervalMs) });
    if (!fs.existsSync(idFile)) fs.writeFileSync(idFile, `${topicId}\n`);
    this.maintenance.add(log, upperBound);
    return log;
  }

  private schedulerFor(intervalMs: number): GroupCommitScheduler {
    let scheduler = this.schedulers.get(intervalMs);
    if (scheduler === undefined) {
      scheduler = new GroupCommitScheduler(intervalMs);
      this.schedulers.set(intervalMs, scheduler);
    }
    return scheduler;
  }

  /** Closes and deletes a replica's log (topic deleted, or replica moved away). */
  async delete(log: PartitionLog): Promise<void> {
    this.maintenance.remove(log);
    await log.delete();
  }

  forget(log: PartitionLog): void {
    this.maintenance.remove(log);
  }

  async stop(): Promise<void> {
    await this.maintenance.stop();
    await Promise.all([...this.schedulers.values()].map((scheduler) => scheduler.drain()));
  }
}

/** Storage settings from a topic's effective configs (topic value, else cluster, else defaults). */
export function logConfigFor(get: (key: string) => string | undefined, flushPolicy: FlushPolicy): Partial<LogConfig> {
  const number = (key: string): number | undefined => {
    const value = get(key);
    return value === undefined ? undefined : Number(value);
  };
  const config: Partial<LogConfig> = { flushPolicy: (get('flush.policy') as FlushPolicy | undefined) ?? flushPolicy };
  const assign = <K extends keyof LogConfig>(key: K, value: LogConfig[K] | undefined): void => {
    if (value !== undefined) config[key] = value;
  };
  assign('segmentBytes', number('segment.bytes'));
  assign('segmentMs', number('segment.ms'));
  assign('retentionMs', number('retention.ms'));
  assign('retentionBytes', number('retention.bytes'));
  assign('maxMessageBytes', number('max.message.bytes'));
  assign('deleteRetentionMs', number('delete.retention.ms'));
  assign('flushIntervalMs', number('flush.interval.ms'));
  assign('minCleanableDirtyRatio', number('min.cleanable.dirty.ratio'));
  const cleanup = get('cleanup.policy');
  if (cleanup !== undefined) config.cleanupPolicy = cleanup.split(',').map((p) => p.trim()).sort().join(',') as LogConfig['cleanupPolicy'];
  return config;
}
