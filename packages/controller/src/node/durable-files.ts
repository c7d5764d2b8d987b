import fs from 'node:fs';
import path from 'node:path';

/** Makes creations, renames and removals of `dir`'s entries durable (POSIX does not promise it without this). */
export function fsyncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Write a temporary file, fsync it, rename it into place, fsync the directory: a power loss leaves the old file or the new, never a torn one. */
export function writeFileDurably(file: string, content: string): void {
  const temporary = `${file}.tmp`;
  const fd = fs.openSync(temporary, 'w');
  try {
    fs.writeSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temporary, file);
  fsyncDirectory(path.dirname(file));
}

/** Creates `dir` and its missing parents so that a power loss keeps them: the parent of each new directory is fsynced. */
export function createDirectoryDurably(dir: string): void {
  const first = fs.mkdirSync(dir, { recursive: true });
  if (first === undefined) return;
  for (let created = path.resolve(dir); ; created = path.dirname(created)) {
    fsyncDirectory(path.dirname(created));
    if (created === path.resolve(first)) return;
  }
}

/**
 * Makes `dir` durable as it is now: every file in it fsynced, then the directory itself. A file
 * removed meanwhile (LevelDB deletes obsolete files from a background thread) needs no sync.
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
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
  fsyncDirectory(dir);
}
