import fs from 'node:fs';

/**
 * Buffered positional reads over a file: batches are parsed from one large read instead of a
 * syscall per header. Views stay valid after later reads (each refill allocates a new buffer).
 */
export class FileWindow {
  private buffer: Buffer = Buffer.alloc(0);
  private bufferStart = 0;

  constructor(
    private readonly fd: number,
    private readonly fileSize: number,
    private readonly minReadBytes: number,
  ) {}

  /** Up to `length` bytes at `position`; shorter only where the file ends. */
  view(position: number, length: number): Buffer {
    const end = Math.min(position + length, this.fileSize);
    if (position >= this.bufferStart && end <= this.bufferStart + this.buffer.length) {
      return this.buffer.subarray(position - this.bufferStart, end - this.bufferStart);
    }
    const readLength = Math.min(Math.max(end - position, this.minReadBytes), this.fileSize - position);
    const buffer = Buffer.allocUnsafe(Math.max(readLength, 0));
    let filled = 0;
    while (filled < readLength) {
      const read = fs.readSync(this.fd, buffer, filled, readLength - filled, position + filled);
      if (read === 0) break;
      filled += read;
    }
    this.buffer = buffer.subarray(0, filled);
    this.bufferStart = position;
    return this.buffer.subarray(0, Math.min(end - position, filled));
  }
}
