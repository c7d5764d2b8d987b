import fs from 'node:fs';
import { replaceFileSync, writeFileDurablySync } from '../file-sync.js';

/** Reads a small integer checkpoint file; undefined when absent or unreadable (then recovery is broader). */
export function readOffsetCheckpoint(filePath: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(filePath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const value = Number(text.trim());
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/** Replaces a checkpoint atomically and durably (see writeFileDurably). */
export function writeOffsetCheckpoint(filePath: string, value: number): void {
  writeFileDurablySync(filePath, `${value}\n`);
}

/** Replaces a checkpoint atomically; durable once the caller fsyncs its directory. */
export function replaceOffsetCheckpoint(filePath: string, value: number): void {
  replaceFileSync(filePath, `${value}\n`);
}
