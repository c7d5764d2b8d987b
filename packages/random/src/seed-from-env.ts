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
