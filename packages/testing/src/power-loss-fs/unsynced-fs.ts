import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { unsyncedFsBinary } from './build.js';

/** The control file at the mount root (absent from listings): write a command, read its JSON answer. */
export const CONTROL_FILE = '.unsynced-fs';
/** How long the daemon may take to mount (it prints `ready` once the kernel has initialised the mount). */
const MOUNT_TIMEOUT_MS = 15_000;
/** How long an unmount may take before it is forced (lazy unmount, SIGKILL of the daemon). */
const UNMOUNT_TIMEOUT_MS = 10_000;
/** The longest answer the control file gives. */
const RESPONSE_MAX_BYTES = 512;

/** What a simulated power loss took back. */
export interface CrashSummary {
  /** Files whose size or content went back to what their last fsync left. */
  filesRolledBack: number;
  /** Bytes past each file's last synced size that were dropped. */
  bytesDropped: number;
  /** Overwritten or truncated synced bytes put back. */
  bytesRestored: number;
  /** Directory entry operations (create, mkdir, unlink, rmdir, rename) undone because their directory was not fsynced. */
  entriesUndone: number;
  /** Undo steps that failed (printed on the daemon's stderr); 0 unless something outside the model touched the store. */
  undoErrors: number;
}

/** The undo the filesystem holds right now. */
export interface UnsyncedStats {
  dirtyFiles: number;
  savedBytes: number;
  unsyncedBytes: number;
  pendingEntries: number;
  syncs: number;
  dirSyncs: number;
  crashes: number;
}

/**
 * A directory whose content a power loss can take back: a FUSE mount (packages/testing/native/unsynced-fs.c,
 * in the manner of Jepsen's LazyFS) that passes everything through to a backing store and keeps undo
 * since the last fsync. `crash()` leaves exactly what had been fsynced: file content up to its last
 * fsync/fdatasync, and directory entries (create, rename, unlink, mkdir, rmdir) only if their
 * directory was fsynced after. Use `unsyncedFsUnavailableReason()` first where FUSE may be missing.
 */
export class UnsyncedFs {
  private stderr = '';

  private constructor(
    readonly mountpoint: string,
    readonly store: string,
    private readonly daemon: ChildProcess,
    private readonly exited: Promise<void>,
  ) {
    daemon.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-64 * 1024);
    });
  }

  /** Mounts a filesystem at `mountpoint` (created if missing) whose files live in `store`. */
  static async mount(mountpoint: string, store: string): Promise<UnsyncedFs> {
    fs.mkdirSync(mountpoint, { recursive: true });
    fs.mkdirSync(store, { recursive: true });
    const daemon = spawn(unsyncedFsBinary(), [store, mountpoint], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<void>((resolve) => daemon.once('exit', () => resolve()));
    let stderr = '';
    daemon.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`unsynced-fs did not mount ${mountpoint} within ${MOUNT_TIMEOUT_MS} ms`)), MOUNT_TIMEOUT_MS);
        let stdout = '';
        daemon.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString('utf8');
          if (stdout.includes('ready\n')) {
            clearTimeout(timer);
            resolve();
          }
        });
        daemon.once('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
        void exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`unsynced-fs exited before mounting ${mountpoint}: ${stderr.trim()}`));
        });
      });
    } catch (error) {
      daemon.kill('SIGKILL');
      await exited;
      await fusermount(['-uz', mountpoint]).catch(() => undefined);
      throw error;
    }
    return new UnsyncedFs(mountpoint, store, daemon, exited);
  }

  /**
   * The power loss: every file back to its last synced content, every entry operation its
   * directory did not fsync undone. Only call it once no process uses the mount (SIGKILL them first).
   */
  async crash(): Promise<CrashSummary> {
    return JSON.parse(await this.control('crash')) as CrashSummary;
  }

  async stats(): Promise<UnsyncedStats> {
    return JSON.parse(await this.control('stats')) as UnsyncedStats;
  }

  /** The daemon's error output (undo steps that failed), for diagnosis. */
  get errors(): string {
    return this.stderr;
  }

  /** Unmounts (`fusermount3 -u`) and waits for the daemon; forces both if that does not work. Leaves the store. */
  async unmount(): Promise<void> {
    if (this.daemon.exitCode !== null || this.daemon.signalCode !== null) return;
    const unmounted = await fusermount(['-u', this.mountpoint]).then(
      () => true,
      () => false,
    );
    const timer = setTimeout(() => this.daemon.kill('SIGKILL'), unmounted ? UNMOUNT_TIMEOUT_MS : 0);
    await this.exited;
    clearTimeout(timer);
    if (!unmounted) await fusermount(['-uz', this.mountpoint]).catch(() => undefined);
  }

  private async control(command: string): Promise<string> {
    const handle = await fs.promises.open(path.join(this.mountpoint, CONTROL_FILE), 'r+');
    try {
      await handle.write(Buffer.from(`${command}\n`), 0, undefined, 0);
      const buffer = Buffer.alloc(RESPONSE_MAX_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      return buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  }
}

function fusermount(args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile('fusermount3', args, { timeout: UNMOUNT_TIMEOUT_MS }, (error, _stdout, stderr) => (error ? reject(new Error(`fusermount3 ${args.join(' ')}: ${stderr.trim() || error.message}`)) : resolve())),
  );
}
