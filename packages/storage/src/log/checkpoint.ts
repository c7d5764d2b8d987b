import fs from 'node:fs';

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

/** Replaces a checkpoint atomically (write a temporary file, then rename). */
export function writeOffsetCheckpoint(filePath: string, value: number): void {
  const temporary = `${filePath}.tmp`;
  fs.writeFileSync(temporary, `${value}\n`);
  fs.renameSync(temporary, filePath);
}
