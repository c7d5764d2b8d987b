import { ErrorCode } from '@quill/proto';
import { KafkaProtocolError } from './errors.js';
import { uuidToBytes } from './uuid.js';

/** Start size of a writer's buffer; it doubles as needed. */
export const WRITER_INITIAL_BYTES = 256;

function invalid(message: string): KafkaProtocolError {
  return new KafkaProtocolError(ErrorCode.INVALID_REQUEST, message);
}

/** Writes Kafka primitives into a buffer that grows as needed. */
export class KafkaWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initialBytes = WRITER_INITIAL_BYTES) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  get length(): number {
    return this.pos;
  }

  private room(n: number): number {
    if (this.pos + n > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < this.pos + n) size *= 2;
      const grown = Buffer.allocUnsafe(size);
      this.buf.copy(grown, 0, 0, this.pos);
      this.buf = grown;
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  // room() may replace this.buf, so it is always called before this.buf is read.
  private byte(v: number): void {
    const at = this.room(1);
    this.buf[at] = v;
  }

  /** The bytes written so far (a view; the writer must not be used afterwards). */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** Overwrites an int32 written earlier (a frame's length prefix). */
  patchInt32(at: number, value: number): void {
    this.buf.writeInt32BE(value, at);
  }

  int8(v: number): void {
    const at = this.room(1);
    this.buf.writeInt8(v, at);
  }

  bool(v: boolean): void {
    this.byte(v ? 1 : 0);
  }

  int16(v: number): void {
    const at = this.room(2);
    this.buf.writeInt16BE(v, at);
  }

  uint16(v: number): void {
    const at = this.room(2);
    this.buf.writeUInt16BE(v, at);
  }

  int32(v: number): void {
    const at = this.room(4);
    this.buf.writeInt32BE(v, at);
  }

  int64(v: bigint): void {
    const at = this.room(8);
    this.buf.writeBigInt64BE(v, at);
  }

  float64(v: number): void {
    const at = this.room(8);
    this.buf.writeDoubleBE(v, at);
  }

  uuid(v: string): void {
    const at = this.room(16);
    uuidToBytes(v).copy(this.buf, at);
  }

  raw(bytes: Uint8Array): void {
    const at = this.room(bytes.length);
    this.buf.set(bytes, at);
  }

  uvarint(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw invalid(`unsigned varint out of range: ${v}`);
    let rest = v;
    while (rest >= 0x80) {
      this.byte((rest & 0x7f) | 0x80);
      rest = Math.floor(rest / 128);
    }
    this.byte(rest);
  }

  varint(v: number): void {
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  varlong(v: bigint): void {
    let rest = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    while (rest >= 0x80n) {
      this.byte(Number(rest & 0x7fn) | 0x80);
      rest >>= 7n;
    }
    this.byte(Number(rest));
  }

  private lengthPrefix(n: number, compact: boolean, wide: boolean): void {
    if (compact) this.uvarint(n + 1);
    else if (wide) this.int32(n);
    else this.int16(n);
  }

  nullableString(v: string | null, compact: boolean, nullable: boolean): void {
    if (v === null) {
      if (!nullable) throw invalid('null in a non-nullable string');
      this.lengthPrefix(-1, compact, false);
      return;
    }
    const n = Buffer.byteLength(v, 'utf8');
    if (!compact && n > 0x7fff) throw invalid(`string of ${n} bytes exceeds int16`);
    this.lengthPrefix(n, compact, false);
    const at = this.room(n);
    this.buf.write(v, at, n, 'utf8');
  }

  string(v: string, compact: boolean): void {
    this.nullableString(v, compact, false);
  }

  nullableBytes(v: Uint8Array | null, compact: boolean, nullable: boolean): void {
    if (v === null) {
      if (!nullable) throw invalid('null in non-nullable bytes');
      this.lengthPrefix(-1, compact, true);
      return;
    }
    this.lengthPrefix(v.length, compact, true);
    this.raw(v);
  }

  bytes(v: Uint8Array, compact: boolean): void {
    this.nullableBytes(v, compact, false);
  }

  /** An array's length prefix; null only where the field is nullable. */
  arrayLength(v: readonly unknown[] | null, compact: boolean, nullable: boolean): void {
    if (v === null && !nullable) throw invalid('null in a non-nullable array');
    this.lengthPrefix(v === null ? -1 : v.length, compact, true);
  }

  /** One tagged field whose value was written into `value`. */
  taggedField(tag: number, value: KafkaWriter): void {
    this.uvarint(tag);
    this.uvarint(value.length);
    this.raw(value.finish());
  }
}
