import { ManualClock } from '@quill/clock';
import { describe, expect, it } from 'vitest';
import { ExpiringEntries } from './expiring-entries.js';
import { SessionTokens } from './session-tokens.js';

describe('SessionTokens', () => {
  const setup = (maxSessions = 10) => {
    const clock = new ManualClock(1_000);
    const users = new Set(['alice', 'bob']);
    const tokens = new SessionTokens({ clock, lifetimeMs: 60_000, maxSessions, userExists: (u) => users.has(u) });
    return { clock, users, tokens };
  };

  it('answers the user of a token until its lifetime has passed', () => {
    const { clock, tokens } = setup();
    const { token, lifetimeMs } = tokens.issue('alice');
    expect(lifetimeMs).toBe(60_000);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    clock.advance(59_999);
    expect(tokens.userOf(token)).toBe('alice');
    clock.advance(1);
    expect(tokens.userOf(token)).toBeUndefined();
    expect(tokens.size).toBe(0);
  });

  it('knows no token it did not issue', () => {
    const { tokens } = setup();
    tokens.issue('alice');
    expect(tokens.userOf('guessed')).toBeUndefined();
  });

  it('drops every token of a user deleted since', () => {
    const { users, tokens } = setup();
    const first = tokens.issue('alice').token;
    tokens.issue('alice');
    const bob = tokens.issue('bob').token;
    users.delete('alice');
    expect(tokens.userOf(first)).toBeUndefined();
    expect(tokens.size).toBe(1);
    expect(tokens.userOf(bob)).toBe('bob');
  });

  it('holds at most maxSessions tokens, forgetting the oldest', () => {
    const { clock, tokens } = setup(2);
    const a = tokens.issue('alice').token;
    clock.advance(1);
    const b = tokens.issue('bob').token;
    const c = tokens.issue('alice').token;
    expect(tokens.size).toBe(2);
    expect(tokens.userOf(a)).toBeUndefined();
    expect(tokens.userOf(b)).toBe('bob');
    expect(tokens.userOf(c)).toBe('alice');
  });
});

describe('ExpiringEntries', () => {
  it('removes expired entries before the oldest live one when full', () => {
    const clock = new ManualClock(0);
    const entries = new ExpiringEntries<number>(clock, 100, 2);
    entries.add('old', 1);
    clock.advance(100);
    entries.add('live', 2);
    entries.add('new', 3);
    expect([entries.get('old'), entries.get('live'), entries.get('new')]).toEqual([undefined, 2, 3]);
  });
});
