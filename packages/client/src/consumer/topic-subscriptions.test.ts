import { describe, expect, it } from 'vitest';
import { TopicSubscriptions } from './topic-subscriptions.js';

describe('TopicSubscriptions', () => {
  it('resolves names and patterns, and knows each topic’s fromBeginning', () => {
    const subscriptions = new TopicSubscriptions();
    expect(subscriptions.isEmpty).toBe(true);
    subscriptions.add(['orders'], false);
    subscriptions.add([/^audit-/g], true);
    expect(subscriptions.hasPatterns).toBe(true);
    expect(subscriptions.resolve(['audit-a', 'orders', 'audit-b', 'other'])).toEqual(['orders', 'audit-a', 'audit-b']);
    // A global flag does not make a second test fail (lastIndex).
    expect(subscriptions.resolve(['audit-a'])).toEqual(['orders', 'audit-a']);
    expect(subscriptions.fromBeginning('audit-x')).toBe(true);
    expect(subscriptions.fromBeginning('orders')).toBe(false);
    expect(() => subscriptions.add([''], false)).toThrow(RangeError);
  });
});
