/** How appends become durable. See docs/DESIGN.md "Flush policies". */
export type FlushPolicy =
  /** One fdatasync per append, in append order: the slowest, for comparison. */
  | 'every-batch'
  /** Appends go to the page cache at once; one fdatasync covers everything appended since the last (default). */
  | 'group-commit'
  /** Never fsync on the append path; the OS writes back. Acks do not wait for the disk. */
  | 'os';

export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete';

/** Per-log settings. Names mirror Kafka's topic configs (segment.bytes -> segmentBytes, ...). */
export interface LogConfig {
  /** segment.bytes: roll the active segment once it would grow beyond this. */
  segmentBytes: number;
  /** segment.ms: roll the active segment once its first batch is this old. */
  segmentMs: number;
  /** max.message.bytes: largest record batch an append accepts. */
  maxMessageBytes: number;
  /** index.interval.bytes: bytes of log between two sparse index entries. */
  indexIntervalBytes: number;
  /** retention.ms: delete segments whose newest record is older; -1 keeps forever. */
  retentionMs: number;
  /** retention.bytes: delete oldest segments while the log is larger; -1 means no limit. */
  retentionBytes: number;
  cleanupPolicy: CleanupPolicy;
  /** delete.retention.ms: how long compaction keeps a tombstone after it first cleaned it. */
  deleteRetentionMs: number;
  /** min.cleanable.dirty.ratio: compact once this share of the log is uncleaned. */
  minCleanableDirtyRatio: number;
  /** Most distinct keys one compaction pass may track (bounds the cleaner's memory). */
  cleanerMaxKeys: number;
  flushPolicy: FlushPolicy;
  /**
   * group-commit only: how long a flush waits to collect more appends. 0 (our default) starts the
   * next fdatasync as soon as the previous one ends, so batching comes from the fsync latency itself.
   */
  flushIntervalMs: number;
  /** Verify each batch's CRC when reading it back (cheap: SIMD CRC-32C). */
  verifyCrcOnRead: boolean;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * DAY_MS,
  maxMessageBytes: 1024 * 1024 + 12,
  indexIntervalBytes: 4096,
  retentionMs: 7 * DAY_MS,
  retentionBytes: -1,
  cleanupPolicy: 'delete',
  deleteRetentionMs: DAY_MS,
  minCleanableDirtyRatio: 0.5,
  cleanerMaxKeys: 1_000_000,
  flushPolicy: 'group-commit',
  flushIntervalMs: 0,
  verifyCrcOnRead: true,
});

export function resolveLogConfig(overrides: Partial<LogConfig> = {}): LogConfig {
  const config = { ...DEFAULT_LOG_CONFIG, ...overrides };
  if (config.segmentBytes < 1024) throw new RangeError(`segmentBytes must be at least 1024, got ${config.segmentBytes}`);
  // File positions in the indexes are 32-bit.
  if (config.segmentBytes > 0x7fffffff) throw new RangeError(`segmentBytes must be below 2 GiB, got ${config.segmentBytes}`);
  if (config.indexIntervalBytes < 1) throw new RangeError('indexIntervalBytes must be positive');
  return config;
}
