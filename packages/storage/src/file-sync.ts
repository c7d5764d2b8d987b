import fs from 'node:fs';
import path from 'node:path';

/*
 * Every fsync Quill issues goes through this module, so the three test-only switches below reach
 * them all. Each is read once, here, at load (nothing to pay when unset); what each does is
 * documented in docs/DESIGN.md "Test hooks".
 */
const FSYNC_LEDGER_DIR = process.env['QUILL_TEST_FSYNC_LEDGER'];
const FSYNC_FAULTS_DIR = process.env['QUILL_TEST_FSYNC_FAULTS'];
const SKIP_SEGMENT_FSYNC = process.env['QUILL_TEST_SKIP_SEGMENT_FSYNC'] === '1';
/** One ledger for every process: appends of one short line with O_APPEND keep a global order. */
export const FSYNC_LEDGER_FILE = 'fsync-ledger.jsonl';
/** The file whose presence in the QUILL_TEST_FSYNC_FAULTS directory makes fsyncs fail. */
export const FSYNC_FAULT_FILE = 'fail-fsync';

/** The error a failing disk gives: callers must treat it exactly like a real EIO. */
function injectedFault(syscall: string): NodeJS.ErrnoException | undefined {
  if (FSYNC_FAULTS_DIR === undefined || !fs.existsSync(path.join(FSYNC_FAULTS_DIR, FSYNC_FAULT_FILE))) return undefined;
  const error: NodeJS.ErrnoException = new Error(`EIO: i/o error, ${syscall} (injected by QUILL_TEST_FSYNC_FAULTS)`);
  error.code = 'EIO';
  error.errno = -5;
  error.syscall = syscall;
  return error;
}

export function fdatasync(fd: number): Promise<void> {
  const fault = injectedFault('fdatasync');
  if (fault !== undefined) return Promise.reject(fault);
  const sync = new Promise<void>((resolve, reject) => fs.fdatasync(fd, (error) => (error ? reject(error) : resolve())));
  if (FSYNC_LEDGER_DIR === undefined) return sync;
  // Bytes in the file when the sync starts are durable once it ends.
  const file = fs.readlinkSync(`/proc/self/fd/${fd}`);
  const length = fs.fstatSync(fd).size;
  return sync.then(() => fs.appendFileSync(path.join(FSYNC_LEDGER_DIR, FSYNC_LEDGER_FILE), `${JSON.stringify({ file, length })}\n`));
}

/** fdatasync of segment data on the ack path: the one QUILL_TEST_SKIP_SEGMENT_FSYNC breaks on purpose. */
export function fdatasyncSegmentData(fd: number): Promise<void> {
  if (SKIP_SEGMENT_FSYNC) return Promise.resolve();
  return fdatasync(fd);
}

/** Makes file creations, renames and removals in `dir` durable (POSIX does not promise it without this). */
export async function fsyncDirectory(dir: string): Promise<void> {
  const fault = injectedFault('fsync');
  if (fault !== undefined) throw fault;
  const handle = await fs.promises.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * The fsyncs a partition log's durability depends on. Injectable (PartitionLogOptions.sync) so
 * tests can hold or observe them; production uses REAL_LOG_SYNC.
 */
export interface LogSync {
  /** fdatasync of a segment's data (the ack path). */
  segmentData(fd: number): Promise<void>;
  /** fsync of the partition directory, making segment files created or removed in it durable. */
  directory(dir: string): Promise<void>;
}

export const REAL_LOG_SYNC: LogSync = Object.freeze({ segmentData: fdatasyncSegmentData, directory: fsyncDirectory });

/** Synchronous fsyncDirectory, for the few writers that must finish before returning. */
export function fsyncDirectorySync(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function fsyncSync(fd: number): void {
  const fault = injectedFault('fsync');
  if (fault !== undefined) throw fault;
  fs.fsyncSync(fd);
}

/** Creates `dir` and its missing parents so that a power loss keeps them: the parent of each new directory is fsynced. */
export function createDirectoryDurably(dir: string): void {
  const first = fs.mkdirSync(dir, { recursive: true });
  if (first === undefined) return;
  for (let created = path.resolve(dir); ; created = path.dirname(created)) {
    fsyncDirectorySync(path.dirname(created));
    if (created === path.resolve(first)) return;
  }
}

/**
 * Makes `dir` durable as it is now, for files another library wrote without the discipline above:
 * every file in it fsynced, then the directory itself. A file removed meanwhile (LevelDB deletes
 * obsolete files from a background thread) needs no sync.
 */
export function syncDirectoryContents(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    let fd: number;
    try {
      fd = fs.openSync(path.join(dir, entry.name), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    try {
      fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
  fsyncDirectorySync(dir);
}

let temporaryCounter = 0;
/** Unique per write, so two writers of one file never share a temporary; `.tmp` so recovery removes leftovers. */
function temporaryPathFor(file: string): string {
  temporaryCounter++;
  return `${file}.${process.pid}-${temporaryCounter}.tmp`;
}

/**
 * Replaces `file` so that a power loss leaves either the old or the new content, never a mix or
 * nothing: write a temporary file, fsync it, rename it over the target, fsync the directory. Every
 * checkpoint, identity and metadata file goes through here (or writeFileDurablySync).
 */
export async function writeFileDurably(file: string, data: string | Buffer): Promise<void> {
  const temporary = temporaryPathFor(file);
  try {
    const handle = await fs.promises.open(temporary, 'w');
    try {
      await handle.writeFile(data);
      const fault = injectedFault('fsync');
      if (fault !== undefined) throw fault;
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.promises.rename(temporary, file);
  } catch (error) {
    await fs.promises.rm(temporary, { force: true });
    throw error;
  }
  await fsyncDirectory(path.dirname(file));
}

/** writeFileDurably without yielding: for small files written where the caller cannot await. */
export function writeFileDurablySync(file: string, data: string | Buffer): void {
  replaceFileSync(file, data);
  fsyncDirectorySync(path.dirname(file));
}

/**
 * writeFileDurablySync without the directory fsync, for a caller that fsyncs the directory itself
 * once after several changes in it: until then the old or the new content survives a power loss.
 */
export function replaceFileSync(file: string, data: string | Buffer): void {
  const temporary = temporaryPathFor(file);
  try {
    const fd = fs.openSync(temporary, 'w');
    try {
      fs.writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
}
