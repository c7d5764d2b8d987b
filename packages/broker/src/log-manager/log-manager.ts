import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  DEFAULT_LOG_CONFIG,
  GroupCommitScheduler,
  LogMaintenance,
  PartitionLog,
  fsyncDirectory,
  writeFileDurably,
  type FlushPolicy,
  type LogConfig,
} from '@quill/storage';
import type { Logger } from 'pino';

/** Names the topic id a partition directory belongs to (Kafka's `partition.metadata`). */
const TOPIC_ID_FILE = 'partition.metadata';
/** A directory renamed with this suffix is being removed; what is left of it after a crash goes at the next start. */
const DELETE_SUFFIX = '-delete';
const PARTITION_DIR = /^(.+)-(\d+)$/;

/**
 * The logs of this broker's replicas, one directory `<topic>-<partition>` each (Kafka's layout),
 * each naming its topic id, so that a deleted topic's data is never opened for a new topic of
 * the same name. Logs with the same `flush.interval.ms` share one group-commit scheduler, so a
 * single fsync round covers all their partitions; all share one background retention/compaction loop.
 */
export class LogManager {
  /** By flush interval in ms. */
  private readonly schedulers = new Map<number, GroupCommitScheduler>();
  private readonly removals = new Set<Promise<void>>();
  readonly maintenance: LogMaintenance;

  constructor(
    private readonly dataDir: string,
    private readonly logger: Logger,
    retentionCheckIntervalMs: number,
    /** Told each group-commit round's duration, logs synced and queue wait of its oldest request (for flush metrics). */
    private readonly onFlushRound?: (seconds: number, logs: number, queuedSeconds: number) => void,
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
   * Opens (creating if needed) the log of a replica of topic `topicId`. A directory that does not
   * name that id (an earlier topic of the same name, or a creation cut short) is removed first:
   * it is never served under this topic.
   */
  async open(topic: string, topicId: string, partition: number, config: Partial<LogConfig>, upperBound: () => number): Promise<PartitionLog> {
    const dir = this.dirFor(topic, partition);
    if (readTopicId(dir) !== topicId) {
      if (fs.existsSync(dir)) {
        this.logger.warn({ dir, topicId }, 'removing a log directory that does not belong to this topic id');
        await this.remove(dir);
      }
      await this.create(dir, topicId);
    }
    const log = await PartitionLog.open(dir, { config, logger: this.logger, flushScheduler: this.schedulerFor(config.flushIntervalMs ?? DEFAULT_LOG_CONFIG.flushIntervalMs) });
    this.maintenance.add(log, upperBound);
    return log;
  }

  /**
   * Applies a topic's changed configs to one of its open logs (same meaning as open's `config`);
   * a lowered retention takes effect at once. Resolves once that retention pass is over.
   */
  reconfigure(log: PartitionLog, config: Partial<LogConfig>): Promise<void> {
    return this.maintenance.reconfigure(log, config, this.schedulerFor(config.flushIntervalMs ?? DEFAULT_LOG_CONFIG.flushIntervalMs));
  }

  /** The directory and its topic id file are durable before any record is written in it. */
  private async create(dir: string, topicId: string): Promise<void> {
    await fs.promises.mkdir(dir);
    await writeFileDurably(path.join(dir, TOPIC_ID_FILE), `${topicId}\n`);
    await fsyncDirectory(this.dataDir);
  }

  /**
   * Takes a directory out of the log layout at once and durably (a rename, as Kafka does), then
   * deletes its files in the background.
   */
  private async remove(dir: string): Promise<void> {
    const doomed = `${dir}.${randomUUID().replaceAll('-', '')}${DELETE_SUFFIX}`;
    await fs.promises.rename(dir, doomed);
    await fsyncDirectory(this.dataDir);
    this.removeInBackground(doomed);
  }

  private removeInBackground(dir: string): void {
    const removal = fs.promises
      .rm(dir, { recursive: true, force: true })
      .catch((error: unknown) => this.logger.warn({ dir, err: (error as Error).message }, 'removing a deleted log directory failed'))
      .finally(() => this.removals.delete(removal));
    this.removals.add(removal);
  }

  /**
   * At startup, once the metadata is known: removes every log directory this broker should not
   * host (`wanted` says no for its topic, partition and topic id: a topic deleted or re-created
   * while it was away, a replica moved elsewhere), and what is left of interrupted removals.
   */
  async removeStrayLogs(wanted: (topic: string, partition: number, topicId: string) => boolean): Promise<void> {
    for (const entry of await fs.promises.readdir(this.dataDir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const dir = path.join(this.dataDir, entry.name);
      if (entry.name.endsWith(DELETE_SUFFIX)) {
        this.removeInBackground(dir);
        continue;
      }
      const topicId = readTopicId(dir);
      if (topicId === undefined) continue; // not a partition directory
      const match = PARTITION_DIR.exec(entry.name);
      if (match !== null && wanted(match[1]!, Number(match[2]), topicId)) continue;
      this.logger.info({ dir, topicId }, 'removing a stray log (its topic or replica is not in the metadata)');
      await this.remove(dir);
    }
  }

  private schedulerFor(intervalMs: number): GroupCommitScheduler {
    let scheduler = this.schedulers.get(intervalMs);
    if (scheduler === undefined) {
      scheduler = new GroupCommitScheduler(intervalMs, undefined, this.onFlushRound);
      this.schedulers.set(intervalMs, scheduler);
    }
    return scheduler;
  }

  /** Closes and deletes a replica's log (topic deleted, or replica moved away), durably. */
  async delete(log: PartitionLog): Promise<void> {
    this.maintenance.remove(log);
    await log.delete();
    await fsyncDirectory(this.dataDir);
  }

  forget(log: PartitionLog): void {
    this.maintenance.remove(log);
  }

  async stop(): Promise<void> {
    await this.maintenance.stop();
    await Promise.all([...this.schedulers.values()].map((scheduler) => scheduler.drain()));
    await Promise.all([...this.removals]);
  }
}

/** The topic id a partition directory names; undefined when it names none (or does not exist). */
function readTopicId(dir: string): string | undefined {
  try {
    return fs.readFileSync(path.join(dir, TOPIC_ID_FILE), 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw error;
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
  assign('indexIntervalBytes', number('index.interval.bytes'));
  const cleanup = get('cleanup.policy');
  if (cleanup !== undefined) config.cleanupPolicy = cleanup.split(',').map((p) => p.trim()).sort().join(',') as LogConfig['cleanupPolicy'];
  return config;
}
