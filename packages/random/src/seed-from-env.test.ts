import { describe, expect, it } from 'vitest';
import { seedFromEnv } from './index.js';

describe('seedFromEnv', () => {
  it('is the default unless QUILL_SEED is set', () => {
    expect(seedFromEnv(123, {})).toBe(123);
    expect(seedFromEnv(123, { QUILL_SEED: '' })).toBe(123);
    expect(seedFromEnv(123, { QUILL_SEED: '77' })).toBe(77);
  });

  it('refuses a QUILL_SEED that is not an integer', () => {
    expect(() => seedFromEnv(1, { QUILL_SEED: 'abc' })).toThrow(RangeError);
    expect(() => seedFromEnv(1, { QUILL_SEED: '1.5' })).toThrow(RangeError);
  });
});
