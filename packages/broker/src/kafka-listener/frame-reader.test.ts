import { describe, expect, it } from 'vitest';
import { FrameReader } from './frame-reader.js';

function framed(...bodies: Buffer[]): Buffer {
  return Buffer.concat(
    bodies.flatMap((body) => {
      const length = Buffer.alloc(4);
      length.writeInt32BE(body.length);
      return [length, body];
    }),
  );
}

function drain(reader: FrameReader): unknown[] {
  const out: unknown[] = [];
  for (let next = reader.next(); next !== undefined; next = reader.next()) {
    out.push(Buffer.isBuffer(next) ? next.toString() : next);
    if (!Buffer.isBuffer(next)) break;
  }
  return out;
}

describe('FrameReader', () => {
  it('reassembles frames split at every byte', () => {
    const reader = new FrameReader(1024);
    const bytes = framed(Buffer.from('hello'), Buffer.from(''), Buffer.from('world!'));
    const frames: unknown[] = [];
    for (const byte of bytes) {
      reader.push(Buffer.from([byte]));
      frames.push(...drain(reader));
    }
    expect(frames).toEqual(['hello', '', 'world!']);
    expect(reader.bufferedBytes).toBe(0);
  });

  it('yields many frames from one chunk, one at a time', () => {
    const reader = new FrameReader(1024);
    reader.push(framed(...Array.from({ length: 100 }, (_, i) => Buffer.from(`r${i}`))));
    expect(reader.next()?.toString()).toBe('r0');
    expect(drain(reader)).toHaveLength(99);
  });

  it('waits on a partial frame', () => {
    const reader = new FrameReader(1024);
    const bytes = framed(Buffer.from('abcdef'));
    reader.push(bytes.subarray(0, 7));
    expect(reader.next()).toBeUndefined();
    reader.push(bytes.subarray(7));
    expect(reader.next()?.toString()).toBe('abcdef');
  });

  it('refuses a frame over the limit as soon as its length is read', () => {
    const reader = new FrameReader(10);
    reader.push(framed(Buffer.alloc(11)).subarray(0, 4));
    expect(reader.next()).toEqual({ reason: 'frame-too-large', length: 11 });
    expect(reader.next()).toEqual({ reason: 'frame-too-large', length: 11 });
  });

  it('refuses a negative length', () => {
    const reader = new FrameReader(10);
    reader.push(Buffer.from([0xff, 0xff, 0xff, 0xfe]));
    expect(reader.next()).toEqual({ reason: 'negative-length', length: -2 });
  });
});
