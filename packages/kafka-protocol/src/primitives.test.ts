import { describe, expect, it } from 'vitest';
import { KafkaProtocolError } from './errors.js';
import { KafkaReader } from './reader.js';
import { uuidFromBytes, uuidToBytes } from './uuid.js';
import { KafkaWriter } from './writer.js';

function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}

function written(write: (w: KafkaWriter) => void): string {
  const w = new KafkaWriter(1);
  write(w);
  return w.finish().toString('hex');
}

function reader(text: string): KafkaReader {
  return new KafkaReader(hex(text));
}

function corruptCode(read: () => unknown): string | undefined {
  try {
    read();
  } catch (e) {
    if (e instanceof KafkaProtocolError) return e.code;
    throw e;
  }
  return undefined;
}

describe('Kafka primitives', () => {
  it('writes and reads fixed-width integers big-endian', () => {
    expect(written((w) => w.int8(-2))).toBe('fe');
    expect(written((w) => w.int16(-2))).toBe('fffe');
    expect(written((w) => w.uint16(65535))).toBe('ffff');
    expect(written((w) => w.int32(0x01020304))).toBe('01020304');
    expect(written((w) => w.int64(-2n))).toBe('fffffffffffffffe');
    expect(written((w) => w.bool(true))).toBe('01');
    expect(written((w) => w.float64(1))).toBe('3ff0000000000000');
    const r = reader('fe fffe ffff 01020304 fffffffffffffffe 02 3ff0000000000000');
    expect([r.int8(), r.int16(), r.uint16(), r.int32(), r.int64(), r.bool(), r.float64()]).toEqual([
      -2, -2, 65535, 0x01020304, -2n, true, 1,
    ]);
    expect(r.remaining).toBe(0);
  });

  it('encodes unsigned varints seven bits at a time, low group first', () => {
    expect(written((w) => w.uvarint(0))).toBe('00');
    expect(written((w) => w.uvarint(127))).toBe('7f');
    expect(written((w) => w.uvarint(128))).toBe('8001');
    expect(written((w) => w.uvarint(300))).toBe('ac02');
    expect(written((w) => w.uvarint(0xffffffff))).toBe('ffffffff0f');
    expect(reader('ac02').uvarint()).toBe(300);
    expect(reader('ffffffff0f').uvarint()).toBe(0xffffffff);
  });

  it('zigzag-encodes varints and varlongs', () => {
    expect(written((w) => w.varint(0))).toBe('00');
    expect(written((w) => w.varint(-1))).toBe('01');
    expect(written((w) => w.varint(1))).toBe('02');
    expect(written((w) => w.varint(-64))).toBe('7f');
    expect(written((w) => w.varint(64))).toBe('8001');
    expect(written((w) => w.varlong(-1n))).toBe('01');
    expect(written((w) => w.varlong(2n ** 63n - 1n))).toBe('feffffffffffffffff01');
    expect(written((w) => w.varlong(-(2n ** 63n)))).toBe('ffffffffffffffffff01');
    expect(reader('7f').varint()).toBe(-64);
    expect(reader('feffffffffffffffff01').varlong()).toBe(2n ** 63n - 1n);
    expect(reader('ffffffffffffffffff01').varlong()).toBe(-(2n ** 63n));
  });

  it('writes classic strings with an int16 length and compact ones with length+1 as a varint', () => {
    expect(written((w) => w.string('ab', false))).toBe('00026162');
    expect(written((w) => w.string('ab', true))).toBe('036162');
    expect(written((w) => w.nullableString(null, false, true))).toBe('ffff');
    expect(written((w) => w.nullableString(null, true, true))).toBe('00');
    expect(written((w) => w.string('é', true))).toBe('03c3a9');
    expect(reader('00026162').string(false)).toBe('ab');
    expect(reader('036162').string(true)).toBe('ab');
    expect(reader('ffff').nullableString(false, true)).toBeNull();
    expect(reader('00').nullableString(true, true)).toBeNull();
  });

  it('writes bytes and arrays with an int32 length, or compact', () => {
    expect(written((w) => w.bytes(hex('0a0b'), false))).toBe('000000020a0b');
    expect(written((w) => w.bytes(hex('0a0b'), true))).toBe('030a0b');
    expect(written((w) => w.nullableBytes(null, false, true))).toBe('ffffffff');
    expect(written((w) => w.arrayLength([1, 2], false, false))).toBe('00000002');
    expect(written((w) => w.arrayLength([1, 2], true, false))).toBe('03');
    expect(written((w) => w.arrayLength(null, true, true))).toBe('00');
    expect(reader('000000020a0b').bytes(false).toString('hex')).toBe('0a0b');
    expect(reader('ffffffff').arrayLength(false, true)).toBe(-1);
  });

  it('writes a tagged field as tag, size, data and skips unknown ones', () => {
    const value = new KafkaWriter();
    value.int16(7);
    expect(written((w) => w.taggedField(3, value))).toBe('03020007');
    const r = reader('02 03 02 0007 05 00 2a');
    r.skipTaggedFields();
    expect(r.int8()).toBe(42);
  });

  it('maps uuids losslessly between 16 bytes and the 8-4-4-4-12 text form', () => {
    const text = '00112233-4455-6677-8899-aabbccddeeff';
    expect(uuidToBytes(text).toString('hex')).toBe('00112233445566778899aabbccddeeff');
    expect(uuidFromBytes(uuidToBytes(text))).toBe(text);
    expect(uuidFromBytes(uuidToBytes(text.toUpperCase()))).toBe(text);
    expect(() => uuidToBytes('not-a-uuid')).toThrow(KafkaProtocolError);
  });

  it('refuses truncated reads, overlong varints and lengths beyond the frame', () => {
    expect(corruptCode(() => reader('0001').int32())).toBe('CORRUPT_MESSAGE');
    expect(corruptCode(() => reader('0005616263').string(false))).toBe('CORRUPT_MESSAGE');
    expect(corruptCode(() => reader('ffffffff7f').uvarint())).toBe('CORRUPT_MESSAGE');
    expect(corruptCode(() => reader('8080808080').uvarint())).toBe('CORRUPT_MESSAGE');
    expect(corruptCode(() => reader('7fffffff00').arrayLength(false, false))).toBe('CORRUPT_MESSAGE');
    expect(corruptCode(() => reader('ffffffff').arrayLength(false, false))).toBe('CORRUPT_MESSAGE');
    expect(corruptCode(() => reader('fffe').string(false))).toBe('CORRUPT_MESSAGE');
    expect(corruptCode(() => reader('0105ff').skipTaggedFields())).toBe('CORRUPT_MESSAGE');
  });
});
