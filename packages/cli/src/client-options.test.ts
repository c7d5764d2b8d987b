import { describe, expect, it } from 'vitest';
import { withDeadline } from './client-options.js';

describe('withDeadline', () => {
  const nothing = async (): Promise<void> => undefined;

  it('passes the outcome of work that settles in time through', async () => {
    await expect(withDeadline(Promise.resolve(42), 1_000, 'x', nothing)).resolves.toBe(42);
    const failure = new Error('UNKNOWN_TOPIC_OR_PARTITION');
    await expect(withDeadline(Promise.reject(failure), 1_000, 'x', nothing)).rejects.toBe(failure);
  });

  it('abandons work that does not settle in time and says which deadline expired', async () => {
    let abandoned = false;
    const never = new Promise<number>(() => undefined);
    await expect(
      withDeadline(never, 20, 'listing topics', async () => {
        abandoned = true;
      }),
    ).rejects.toThrow(
      expect.objectContaining({ code: 'REQUEST_TIMED_OUT', message: 'listing topics: no answer from the cluster within 20 ms (--timeout-ms).' }),
    );
    expect(abandoned).toBe(true);
  });
});
