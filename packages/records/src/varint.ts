import { RecordsError } from './errors.js';

// Kafka's record fields use zig-zag varints (protobuf style). Varlongs go beyond 32 bits, so they
// use arithmetic rather than bit operators; JS numbers hold them exactly up to 2^53.

const MAX_VARINT_BYTES = 5;
const MAX_VARLONG_BYTES = 10;

export function zigzagEncode(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

export function zigzagDecode(value: number): number {
  return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
}

export function varintSize(value: number): number {
  let unsigned = zigzagEncode(value);
  let size = 1;
  while (unsigned >= 0x80) {
    unsigned = Math.floor(unsigned / 128);
    size++;
  }
  return size;
}

/** Writes a zig-zag varint at `offset`; returns the offset after it. */
export function writeVarint(buf: Uint8Array, offset: number, value: number): number {
  let unsigned = zigzagEncode(value);
  while (unsigned >= 0x80) {
    buf[offset++] = (unsigned % 128) | 0x80;
    unsigned = Math.floor(unsigned / 128);
  }
  buf[offset++] = unsigned;
  return offset;
}

/** A bounds-checked cursor: every overrun becomes a RecordsError, never a RangeError. */
export class ByteReader {
  constructor(
    readonly buf: Buffer,
    public offset: number,
    /** Settable, so a record is read within its bounds without a reader object per record. */
    public end: number,
  ) {}

  remaining(): number {
    return this.end - this.offset;
  }

  /** `suffix` is joined to `what` only for an error: labels cost no string per read. */
  private need(count: number, what: string, suffix = ''): void {
    if (count < 0 || this.offset + count > this.end) {
      throw new RecordsError('CORRUPT_MESSAGE', `truncated ${what}${suffix} at byte ${this.offset}`);
    }
  }

  int8(): number {
    this.need(1, 'int8');
    return this.buf.readInt8(this.offset++);
  }

  varint(what: string): number {
    return this.varNumber(what, MAX_VARINT_BYTES);
  }

  varlong(what: string): number {
    return this.varNumber(what, MAX_VARLONG_BYTES);
  }

  private varNumber(what: string, maxBytes: number, suffix = ''): number {
    let result = 0;
    let multiplier = 1;
    for (let i = 0; i < maxBytes; i++) {
      this.need(1, what, suffix);
      const byte = this.buf[this.offset++]!;
      result += (byte & 0x7f) * multiplier;
      if ((byte & 0x80) === 0) {
        if (!Number.isSafeInteger(result)) {
          throw new RecordsError('CORRUPT_MESSAGE', `${what}${suffix} out of range`);
        }
        return zigzagDecode(result);
      }
      multiplier *= 128;
    }
    throw new RecordsError('CORRUPT_MESSAGE', `${what}${suffix} varint longer than ${maxBytes} bytes`);
  }

  /** A length-prefixed byte string; -1 means null. Returns a view, not a copy. */
  bytesOrNull(what: string): Buffer | null {
    const length = this.varNumber(what, MAX_VARINT_BYTES, ' length');
    if (length === -1) return null;
    if (length < -1) throw new RecordsError('CORRUPT_MESSAGE', `negative ${what} length ${length}`);
    this.need(length, what);
    const view = this.buf.subarray(this.offset, this.offset + length);
    this.offset += length;
    return view;
  }
}
