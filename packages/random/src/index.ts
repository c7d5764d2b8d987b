/**
 * @quill/random — seeded, reproducible randomness: every random choice in Quill (Raft election
 * timeouts, the Raft simulator, backoff jitter, chaos plans, randomized tests) comes from here.
 */
export type { Random } from './random.js';
export { SeededRandom } from './seeded-random.js';
export { seedFromEnv } from './seed-from-env.js';
