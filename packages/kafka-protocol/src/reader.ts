import { corrupt } from './errors.js';
import { uuidFromBytes } from './uuid.js';

const MAX_UVARINT_BYTES = 5;
const MAX_VARLONG_BYTES = 10;

/**
 * Reads Kafka primitives from one frame. Every read checks the bytes remaining, and every length
 * (string, bytes, array) is checked against them before anything is allocated, so a hostile frame
 * costs at most its own size. Failures are KafkaProtocolError(CORRUPT_MESSAGE).
 */
export class KafkaReader {
  private pos: number;

  constructor(
    private readonly buf: Buffer,
    offset = 0,
    private readonly end = buf.length,
  ) {
    this.pos = offset;
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private take(n: number, what: string): number {
    if (n > this.end - this.pos) throw corrupt(`${what} needs ${n} bytes at offset ${this.pos}, ${this.end - this.pos} remain`);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  int8(): number {
    return this.buf.readInt8(this.take(1, 'int8'));
  }

  bool(): boolean {
    return this.buf[this.take(1, 'bool')] !== 0;
  }

  int16(): number {
    return this.buf.readInt16BE(this.take(2, 'int16'));
  }

  uint16(): number {
    return this.buf.readUInt16BE(this.take(2, 'uint16'));
  }

  int32(): number {
    return this.buf.readInt32BE(this.take(4, 'int32'));
  }

  int64(): bigint {
    return this.buf.readBigInt64BE(this.take(8, 'int64'));
  }

  float64(): number {
    return this.buf.readDoubleBE(this.take(8, 'float64'));
  }

  uuid(): string {
    const at = this.take(16, 'uuid');
    return uuidFromBytes(this.buf.subarray(at, at + 16));
  }

  /** An unsigned varint of at most 32 bits. */
  uvarint(): number {
    let value = 0;
    for (let i = 0; i < MAX_UVARINT_BYTES; i++) {
      const b = this.buf[this.take(1, 'varint')] as number;
      if (i === MAX_UVARINT_BYTES - 1 && b > 0x0f) throw corrupt('unsigned varint exceeds 32 bits');
      value += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) return value;
    }
    throw corrupt('unsigned varint exceeds 32 bits');
  }

  /** A zigzag-encoded signed varint of at most 32 bits. */
  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  /** A zigzag-encoded signed varint of at most 64 bits. */
  varlong(): bigint {
    let value = 0n;
    for (let i = 0; i < MAX_VARLONG_BYTES; i++) {
      const b = this.buf[this.take(1, 'varlong')] as number;
      if (i === MAX_VARLONG_BYTES - 1 && b > 0x01) throw corrupt('varlong exceeds 64 bits');
      value |= BigInt(b & 0x7f) << BigInt(7 * i);
      if ((b & 0x80) === 0) return (value >> 1n) ^ -(value & 1n);
    }
    throw corrupt('varlong exceeds 64 bits');
  }

  /** A length prefix: int16/int32 (-1 = null) classic, unsigned varint minus one compact. */
  private length(compact: boolean, wide: boolean, what: string): number {
    const n = compact ? this.uvarint() - 1 : wide ? this.int32() : this.int16();
    if (n < -1) throw corrupt(`negative ${what} length ${n}`);
    return n;
  }

  nullableString(compact: boolean, nullable: boolean): string | null {
    const n = this.length(compact, false, 'string');
    if (n === -1) {
      if (!nullable) throw corrupt('null in a non-nullable string');
      return null;
    }
    const at = this.take(n, 'string');
    return this.buf.toString('utf8', at, at + n);
  }

  string(compact: boolean): string {
    return this.nullableString(compact, false) as string;
  }

  /** Bytes as a view into the frame (no copy: record batches pass through untouched). */
  nullableBytes(compact: boolean, nullable: boolean): Buffer | null {
    const n = this.length(compact, true, 'bytes');
    if (n === -1) {
      if (!nullable) throw corrupt('null in non-nullable bytes');
      return null;
    }
    const at = this.take(n, 'bytes');
    return this.buf.subarray(at, at + n);
  }

  bytes(compact: boolean): Buffer {
    return this.nullableBytes(compact, false) as Buffer;
  }

  /**
   * An array's element count, -1 for null. A count above the bytes remaining cannot be honest
   * (every element takes at least one byte), so it is refused before any allocation.
   */
  arrayLength(compact: boolean, nullable: boolean): number {
    const n = this.length(compact, true, 'array');
    if (n === -1) {
      if (!nullable) throw corrupt('null in a non-nullable array');
      return -1;
    }
    if (n > this.remaining) throw corrupt(`array of ${n} elements with ${this.remaining} bytes remaining`);
    return n;
  }

  /** Skips a tagged-field section whose tags are all unknown here. */
  skipTaggedFields(): void {
    const count = this.uvarint();
    for (let i = 0; i < count; i++) {
      this.uvarint();
      this.endTaggedField(this.taggedFieldEnd(this.uvarint()));
    }
  }

  /** Starts a tagged field of `size` bytes; returns where it ends. */
  taggedFieldEnd(size: number): number {
    this.take(size, 'tagged field');
    this.pos -= size;
    return this.pos + size;
  }

  /** Ends a tagged field: a known field must fit its size; the rest of an unknown one is skipped. */
  endTaggedField(end: number): void {
    if (this.pos > end) throw corrupt('tagged field overruns its size');
    this.pos = end;
  }
}
