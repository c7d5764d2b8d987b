const LENGTH_PREFIX_BYTES = 4;

/** Why a connection's byte stream cannot be framed any further. */
export interface FrameError {
  reason: 'frame-too-large' | 'negative-length';
  length: number;
}

/**
 * Splits one connection's bytes into Kafka request frames: a 4-byte big-endian length, then
 * that many bytes. Frames are pulled one at a time, so a caller that is full leaves the rest
 * buffered here (at most what it already read from the socket).
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private expected: number | undefined;
  private failure: FrameError | undefined;

  constructor(private readonly maxFrameBytes: number) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** Bytes held, for tests and accounting. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** The next complete frame (without its length prefix), undefined while incomplete; throws nothing. */
  next(): Buffer | FrameError | undefined {
    if (this.failure !== undefined) return this.failure;
    if (this.expected === undefined) {
      if (this.buffered < LENGTH_PREFIX_BYTES) return undefined;
      const length = this.take(LENGTH_PREFIX_BYTES).readInt32BE(0);
      if (length < 0) return (this.failure = { reason: 'negative-length', length });
      if (length > this.maxFrameBytes) return (this.failure = { reason: 'frame-too-large', length });
      this.expected = length;
    }
    if (this.buffered < this.expected) return undefined;
    const frame = this.take(this.expected);
    this.expected = undefined;
    return frame;
  }

  private take(count: number): Buffer {
    const first = this.chunks[0];
    if (first !== undefined && first.length >= count) {
      const taken = first.subarray(0, count);
      if (first.length === count) this.chunks.shift();
      else this.chunks[0] = first.subarray(count);
      this.buffered -= count;
      return taken;
    }
    const out = Buffer.allocUnsafe(count);
    let filled = 0;
    while (filled < count) {
      const chunk = this.chunks[0]!;
      const used = Math.min(chunk.length, count - filled);
      chunk.copy(out, filled, 0, used);
      filled += used;
      if (used === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(used);
    }
    this.buffered -= count;
    return out;
  }
}

export function isFrameError(value: Buffer | FrameError): value is FrameError {
  return !Buffer.isBuffer(value);
}
