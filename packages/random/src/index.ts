/**
 * A small, fast, seedable PRNG (sfc32, seeded through splitmix32). One seed reproduces a whole run,
 * which is what makes simulations and randomized tests debuggable.
 */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(readonly seed: number) {
    let state = seed >>> 0;
    const next = (): number => {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.int(0, items.length - 1)]!;
  }

  bytes(length: number): Buffer {
    const out = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i++) out[i] = this.nextUint32() & 0xff;
    return out;
  }

  /** An independent stream derived from this one, so sub-components do not perturb each other. */
  fork(): SeededRandom {
    return new SeededRandom(this.nextUint32());
  }
}

/**
 * The seed for a randomized test: QUILL_SEED from the environment when set (to reproduce a failure
 * or explore new seeds), else the test's fixed default, so the default suite is deterministic.
 */
export function seedFromEnv(defaultSeed: number, env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = env['QUILL_SEED'];
  if (fromEnv === undefined || fromEnv === '') return defaultSeed >>> 0;
  const parsed = Number(fromEnv);
  if (!Number.isInteger(parsed)) throw new RangeError(`QUILL_SEED must be an integer, got ${fromEnv}`);
  return parsed >>> 0;
}
