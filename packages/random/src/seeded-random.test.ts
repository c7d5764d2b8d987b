import { describe, expect, it } from 'vitest';
import { SeededRandom } from './index.js';

describe('SeededRandom', () => {
  it('draws the xoshiro128** stream the Raft simulator seeds were recorded with', () => {
    const draw = (random: SeededRandom, count: number): number[] => Array.from({ length: count }, () => random.nextUint32());
    expect(draw(new SeededRandom(4242), 6)).toEqual([1599922829, 3294903002, 1624645161, 3801963805, 1952471289, 338772586]);
    expect(draw(new SeededRandom(2 ** 40 + 5), 3)).toEqual([1121981940, 3042771919, 1158888507]);
    expect(draw(new SeededRandom(1).fork(), 3)).toEqual([1450082195, 3153184379, 8559897]);
  });

  it('reproduces the same sequence from the same seed, and another from another seed', () => {
    const draw = (seed: number): number[] => {
      const random = new SeededRandom(seed);
      return Array.from({ length: 100 }, () => random.nextUint32());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(43)[0]).not.toBe(draw(42)[0]);
    expect(draw(2 ** 40)).not.toEqual(draw(0));
  });

  it('stays within bounds and covers the range', () => {
    const random = new SeededRandom(7);
    const seen = new Set<number>();
    for (let i = 0; i < 10_000; i++) {
      const value = random.int(3, 9);
      expect(value).toBeGreaterThanOrEqual(3);
      expect(value).toBeLessThanOrEqual(9);
      seen.add(value);
      const fraction = random.next();
      expect(fraction).toBeGreaterThanOrEqual(0);
      expect(fraction).toBeLessThan(1);
    }
    expect(seen.size).toBe(7);
  });

  it('picks every item of a list and refuses an empty one', () => {
    const random = new SeededRandom(5);
    const seen = new Set(Array.from({ length: 200 }, () => random.pick(['a', 'b', 'c'])));
    expect([...seen].sort()).toEqual(['a', 'b', 'c']);
    expect(() => random.pick([])).toThrow(RangeError);
  });

  it('gives chance(0) never and chance(1) always', () => {
    const random = new SeededRandom(9);
    for (let i = 0; i < 1000; i++) {
      expect(random.chance(0)).toBe(false);
      expect(random.chance(1)).toBe(true);
    }
  });

  it('gives bytes of the asked length that differ between draws', () => {
    const random = new SeededRandom(11);
    const first = random.bytes(32);
    expect(first).toHaveLength(32);
    expect(first.equals(random.bytes(32))).toBe(false);
  });

  it('forks a stream that neither repeats its parent nor is perturbed by it', () => {
    const parent = new SeededRandom(13);
    const child = parent.fork();
    const twin = new SeededRandom(13).fork();
    const parentDraws = Array.from({ length: 5 }, () => parent.nextUint32());
    const childDraws = Array.from({ length: 5 }, () => child.nextUint32());
    expect(childDraws).not.toEqual(parentDraws);
    expect(Array.from({ length: 5 }, () => twin.nextUint32())).toEqual(childDraws);
  });

  it('refuses seeds that are negative or not integers', () => {
    expect(() => new SeededRandom(-1)).toThrow(RangeError);
    expect(() => new SeededRandom(1.5)).toThrow(RangeError);
    expect(() => new SeededRandom(Number.NaN)).toThrow(RangeError);
  });
});
