import { describe, expect, expectTypeOf, it } from 'vitest';
import { eventually } from './index.js';

describe('eventually', () => {
  it('returns at once when the probe already holds', async () => {
    let asked = 0;
    await expect(eventually(() => ++asked > 0, { intervalMs: 1_000 })).resolves.toBe(true);
    expect(asked).toBe(1);
  });

  it('asks again until the probe gives a value, and returns that value', async () => {
    let asked = 0;
    const value = await eventually(() => (++asked >= 3 ? { asked } : undefined), { intervalMs: 1 });
    expect(value).toEqual({ asked: 3 });
  });

  it('awaits an async probe and treats false as not yet', async () => {
    let asked = 0;
    const value = await eventually(async () => (++asked < 3 ? false : 'done'), { intervalMs: 1 });
    expectTypeOf(value).toEqualTypeOf<string>();
    expect(value).toBe('done');
  });

  it('keeps asking after a probe throws, and returns once it succeeds', async () => {
    let asked = 0;
    const value = await eventually(
      () => {
        if (++asked < 3) throw new Error('not up yet');
        return asked;
      },
      { intervalMs: 1 },
    );
    expect(value).toBe(3);
  });

  it('fails after timeoutMs, naming what it waited for', async () => {
    const started = Date.now();
    await expect(eventually(() => false, { timeoutMs: 50, intervalMs: 5, description: 'the leader' })).rejects.toThrow('the leader not reached within 50 ms');
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
  });

  it('carries the last error of a probe that never succeeded', async () => {
    const failure = eventually(
      () => {
        throw new Error('connection refused');
      },
      { timeoutMs: 20, intervalMs: 5 },
    );
    await expect(failure).rejects.toThrow('(last error: connection refused)');
    await expect(failure).rejects.toHaveProperty('cause.message', 'connection refused');
  });

  it('counts 0 and the empty string as values, not as "not yet"', async () => {
    await expect(eventually(() => 0, { timeoutMs: 20 })).resolves.toBe(0);
    await expect(eventually(() => '', { timeoutMs: 20 })).resolves.toBe('');
  });
});
