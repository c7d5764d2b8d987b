import { ManualClock } from '@quill/clock';
import { scramCredentialFromPassword, type ScramCredential } from '@quill/security';
import { describe, expect, it } from 'vitest';
import { ExpiringEntries } from './expiring-entries.js';
import { SessionTokens } from './session-tokens.js';

describe('SessionTokens', () => {
  const credential = (password: string, salt = 1): ScramCredential => scramCredentialFromPassword('SCRAM-SHA-512', password, { salt: Buffer.alloc(32, salt), iterations: 4096 });
  const setup = (maxSessions = 10) => {
    const clock = new ManualClock(1_000);
    const users = new Map([
      ['alice', credential('alice-secret')],
      ['bob', credential('bob-secret')],
    ]);
    const tokens = new SessionTokens({ clock, lifetimeMs: 60_000, maxSessions, credentialOf: (u, m) => (m === 'SCRAM-SHA-512' ? users.get(u) : undefined) });
    return { clock, users, tokens };
  };

  it('answers the user of a token until its lifetime has passed', () => {
    const { clock, tokens } = setup();
    const { token, lifetimeMs } = tokens.issue('alice', 'SCRAM-SHA-512');
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
    tokens.issue('alice', 'SCRAM-SHA-512');
    expect(tokens.userOf('guessed')).toBeUndefined();
  });

  it('refuses the tokens of a user deleted since', () => {
    const { users, tokens } = setup();
    const first = tokens.issue('alice', 'SCRAM-SHA-512').token;
    const bob = tokens.issue('bob', 'SCRAM-SHA-512').token;
    users.delete('alice');
    expect(tokens.userOf(first)).toBeUndefined();
    expect(tokens.userOf(bob)).toBe('bob');
  });

  it('refuses a token once its credential changed: a new password, or the user deleted and created again', () => {
    const { users, tokens } = setup();
    const beforeChange = tokens.issue('alice', 'SCRAM-SHA-512').token;
    users.set('alice', credential('new-secret', 2));
    expect(tokens.userOf(beforeChange)).toBeUndefined();
    const beforeRecreate = tokens.issue('alice', 'SCRAM-SHA-512').token;
    expect(tokens.userOf(beforeRecreate)).toBe('alice');
    users.delete('alice');
    expect(tokens.userOf(beforeRecreate)).toBeUndefined();
    const stale = tokens.issue('bob', 'SCRAM-SHA-512').token;
    users.set('bob', credential('bob-other', 3));
    users.set('bob', credential('bob-secret'));
    // The same password, salt and iterations again is the same credential.
    expect(tokens.userOf(stale)).toBe('bob');
  });

  it('a PLAIN token proves the credential PLAIN checks (the SCRAM-SHA-512 one here)', () => {
    const { users, tokens } = setup();
    const token = tokens.issue('alice', 'PLAIN').token;
    expect(tokens.userOf(token)).toBe('alice');
    users.set('alice', credential('alice-secret', 9));
    expect(tokens.userOf(token)).toBeUndefined();
  });

  it('holds at most maxSessions tokens, forgetting the oldest', () => {
    const { clock, tokens } = setup(2);
    const a = tokens.issue('alice', 'SCRAM-SHA-512').token;
    clock.advance(1);
    const b = tokens.issue('bob', 'SCRAM-SHA-512').token;
    const c = tokens.issue('alice', 'SCRAM-SHA-512').token;
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

  it('a key added again moves to the back, so the front stays the soonest to expire', () => {
    const clock = new ManualClock(0);
    const entries = new ExpiringEntries<number>(clock, 100, 10);
    entries.add('a', 1);
    clock.advance(50);
    entries.add('b', 2);
    entries.add('a', 3);
    clock.advance(60);
    // 'b' (added at 50) has expired although it sits before the re-added 'a' (at 50 too, alive till 150).
    entries.add('c', 4);
    expect([entries.get('a'), entries.get('b'), entries.get('c')]).toEqual([3, 2, 4]);
    clock.advance(40);
    expect([entries.get('a'), entries.get('b'), entries.get('c')]).toEqual([undefined, undefined, 4]);
  });

  it('addIfRoom refuses while full of live entries, and takes one once the oldest expired', () => {
    const clock = new ManualClock(0);
    const entries = new ExpiringEntries<number>(clock, 100, 2);
    entries.addIfRoom('a', 1);
    clock.advance(10);
    entries.addIfRoom('b', 2);
    expect(entries.addIfRoom('c', 3)).toBeUndefined();
    expect([entries.get('a'), entries.get('b'), entries.get('c')]).toEqual([1, 2, undefined]);
    clock.advance(90);
    expect(entries.addIfRoom('c', 3)).toBe(200);
    expect([entries.get('a'), entries.get('b'), entries.get('c')]).toEqual([undefined, 2, 3]);
  });
});
