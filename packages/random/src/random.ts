/**
 * Seeded randomness as a dependency: code that draws random numbers takes a `Random`, never
 * Math.random, so one seed reproduces a whole run (a simulation, a randomized test, a chaos run).
 */
export interface Random {
  /** A uniformly distributed integer in [0, 2^32). */
  nextUint32(): number;
  /** Uniform in [0, 1). */
  next(): number;
  /** A uniformly distributed integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** True with probability `probability`. */
  chance(probability: number): boolean;
  /** One of `items`, each equally likely; throws on an empty list. */
  pick<T>(items: readonly T[]): T;
  /** `length` random bytes. */
  bytes(length: number): Buffer;
  /** An independent generator seeded from this one, so a sub-component's draws do not perturb the others'. */
  fork(): Random;
}
