import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey, toPositive } from './murmur2.js';

describe('murmur2', () => {
  // Kafka's UtilsTest.testMurmur2.
  const vectors: Array<[string, number]> = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ];

  it.each(vectors)('hashes %j like Kafka', (input, expected) => {
    expect(murmur2(Buffer.from(input, 'utf8'))).toBe(expected);
  });

  it('returns a signed 32-bit integer for every tail length, the empty input included', () => {
    for (let n = 0; n < 9; n++) {
      const h = murmur2(Buffer.alloc(n, 0xff));
      expect(h).toBe(h | 0);
    }
  });

  it('toPositive clears the sign bit (Math.abs would fail on -2^31)', () => {
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(-790332482)).toBe(-790332482 & 0x7fffffff);
    expect(toPositive(12)).toBe(12);
  });

  it('partitionForKey is toPositive(murmur2(key)) % n, for strings and bytes alike', () => {
    expect(partitionForKey('foobar', 10)).toBe((-790332482 & 0x7fffffff) % 10);
    expect(partitionForKey(Buffer.from('foobar'), 10)).toBe(partitionForKey('foobar', 10));
    expect(partitionForKey('abc', 7)).toBe(479470107 % 7);
    expect(() => partitionForKey('abc', 0)).toThrow(RangeError);
  });
});
