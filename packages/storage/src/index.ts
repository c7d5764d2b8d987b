export { compactLog, type CompactionResult } from './compaction/cleaner.js';
export { DEFAULT_LOG_CONFIG, resolveLogConfig, type CleanupPolicy, type FlushPolicy, type LogConfig } from './config.js';
export { StorageError, type StorageErrorCode } from './errors.js';
export { GroupCommitScheduler, type Flushable } from './flush/group-commit.js';
export { readOffsetCheckpoint, writeOffsetCheckpoint } from './log/checkpoint.js';
export { LogMaintenance, type LogMaintenanceOptions } from './log/maintenance.js';
export { type AppendInfo, type AppendOptions } from './log/append-batches.js';
export {
  PartitionLog,
  type LogRead,
  type PartitionLogOptions,
  type ReadOptions,
} from './log/partition-log.js';
export { type OpenReport } from './log/recovery.js';
export { segmentsToDelete, type SegmentSummary } from './log/retention.js';
export {
  FSYNC_FAULT_FILE,
  FSYNC_LEDGER_FILE,
  REAL_LOG_SYNC,
  createDirectoryDurably,
  fsyncDirectory,
  fsyncDirectorySync,
  syncDirectoryContents,
  writeFileDurably,
  writeFileDurablySync,
  type LogSync,
} from './file-sync.js';
