export { unsyncedFsBinary, unsyncedFsUnavailableReason } from './build.js';
export { CONTROL_FILE, UnsyncedFs, type CrashSummary, type UnsyncedStats } from './unsynced-fs.js';
