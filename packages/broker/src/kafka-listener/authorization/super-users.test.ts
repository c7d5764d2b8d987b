import { describe, expect, it } from 'vitest';
import { parseSuperUsers } from './super-users.js';

describe('parseSuperUsers', () => {
  it("splits Kafka's ;-separated principals", () => {
    expect(parseSuperUsers('User:admin; User:ops;')).toEqual(['User:admin', 'User:ops']);
    expect(parseSuperUsers('')).toEqual([]);
  });

  it('refuses an entry without a principal type', () => {
    expect(() => parseSuperUsers('User:admin;bob')).toThrow(/User:alice, got "bob"/);
  });
});
