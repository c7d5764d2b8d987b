import fs from 'node:fs';

/** The last `count` non-blank lines of `text`. */
export function lastLines(text: string, count: number): string[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(-count);
}

/** At most the last `maxBytes` of `file` from byte `from` on; empty when the file cannot be read. */
export function readFileTail(file: string, from: number, maxBytes: number): string {
  try {
    const size = fs.statSync(file).size;
    const start = Math.max(from, size - maxBytes);
    if (start >= size) return '';
    const buffer = Buffer.alloc(size - start);
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, buffer, 0, buffer.length, start);
    } finally {
      fs.closeSync(fd);
    }
    return buffer.toString('utf8');
  } catch {
    return '';
  }
}
