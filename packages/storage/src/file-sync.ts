import fs from 'node:fs';
import path from 'node:path';

/**
 * Test mode for power-loss simulation (off unless the variable is set): the directory where every
 * fdatasync of this process records the file and the length it made durable, so a test can kill
 * every node and truncate each file back to that length, as a power loss would.
 */
const FSYNC_LEDGER_DIR = process.env['QUILL_TEST_FSYNC_LEDGER'];
/** One ledger for every process: appends of one short line with O_APPEND keep a global order. */
export const FSYNC_LEDGER_FILE = 'fsync-ledger.jsonl';

export function fdatasync(fd: number): Promise<void> {
  const sync = new Promise<void>((resolve, reject) => fs.fdatasync(fd, (error) => (error ? reject(error) : resolve())));
  if (FSYNC_LEDGER_DIR === undefined) return sync;
  // Bytes in the file when the sync starts are durable once it ends.
  const file = fs.readlinkSync(`/proc/self/fd/${fd}`);
  const length = fs.fstatSync(fd).size;
  return sync.then(() => fs.appendFileSync(path.join(FSYNC_LEDGER_DIR, FSYNC_LEDGER_FILE), `${JSON.stringify({ file, length })}\n`));
}

/** Makes file creations and renames in `dir` durable (POSIX does not promise it without this). */
export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await fs.promises.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
