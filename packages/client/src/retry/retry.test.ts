import { ErrorCode, QuillError } from '@quill/proto';
import { SeededRandom } from '@quill/random';
import { describe, expect, it } from 'vitest';
import { isStaleMetadataError } from './stale-metadata.js';
import { DEFAULT_RETRY, backoffDelay, backoffDelays, retry, type RetryOptions } from './retry.js';

/** A sleep that records the waits and returns at once. */
function recordingSleep(): { waits: number[]; sleep: (ms: number) => Promise<void> } {
  const waits: number[] = [];
  return { waits, sleep: async (ms) => void waits.push(ms) };
}

const retriable = (): QuillError => new QuillError(ErrorCode.NOT_LEADER_OR_FOLLOWER);

describe('retry', () => {
  it('retries retriable QuillErrors and returns the first success', async () => {
    const { waits, sleep } = recordingSleep();
    let calls = 0;
    const result = await retry(
      async ({ retryCount }) => {
        expect(retryCount).toBe(calls);
        calls++;
        if (calls < 3) throw retriable();
        return 'done';
      },
      DEFAULT_RETRY,
      { random: new SeededRandom(1), sleep },
    );
    expect(result).toBe('done');
    expect(calls).toBe(3);
    expect(waits).toHaveLength(2);
  });

  it('does not retry a non-retriable QuillError', async () => {
    const { waits, sleep } = recordingSleep();
    let calls = 0;
    const error = new QuillError(ErrorCode.MESSAGE_TOO_LARGE);
    await expect(
      retry(
        async () => {
          calls++;
          throw error;
        },
        DEFAULT_RETRY,
        { random: new SeededRandom(1), sleep },
      ),
    ).rejects.toBe(error);
    expect(calls).toBe(1);
    expect(waits).toEqual([]);
  });

  it('does not retry errors that are not QuillErrors, even if they look retriable', async () => {
    const { sleep } = recordingSleep();
    let calls = 0;
    const error = Object.assign(new Error('boom'), { retriable: true });
    await expect(
      retry(
        async () => {
          calls++;
          throw error;
        },
        DEFAULT_RETRY,
        { random: new SeededRandom(1), sleep },
      ),
    ).rejects.toBe(error);
    expect(calls).toBe(1);
  });

  it('gives up after `retries` retries with the last code and the cause', async () => {
    const { waits, sleep } = recordingSleep();
    let calls = 0;
    const options: RetryOptions = { ...DEFAULT_RETRY, retries: 3 };
    const failure = await retry(
      async () => {
        calls++;
        throw new QuillError(ErrorCode.LEADER_NOT_AVAILABLE, `attempt ${calls}`);
      },
      options,
      { random: new SeededRandom(1), sleep },
    ).catch((e: unknown) => e);
    expect(calls).toBe(4);
    expect(waits).toHaveLength(3);
    expect(failure).toBeInstanceOf(QuillError);
    const error = failure as QuillError;
    expect(error.code).toBe(ErrorCode.LEADER_NOT_AVAILABLE);
    expect(error.retriable).toBe(true);
    expect(error.message).toMatch(/attempt 4.*gave up after 3 retries/);
    expect((error.cause as QuillError).message).toBe('attempt 4');
  });

  it('with retries 0, tries once', async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw retriable();
        },
        { ...DEFAULT_RETRY, retries: 0 },
        { random: new SeededRandom(1), sleep: async () => {} },
      ),
    ).rejects.toMatchObject({ code: ErrorCode.NOT_LEADER_OR_FOLLOWER });
    expect(calls).toBe(1);
  });

  it('tells onRetry about each retriable failure before waiting', async () => {
    const events: Array<[string, number, number]> = [];
    const { waits, sleep } = recordingSleep();
    await retry(
      async ({ retryCount }) => {
        if (retryCount < 2) throw new QuillError(ErrorCode.NETWORK_EXCEPTION);
      },
      DEFAULT_RETRY,
      {
        random: new SeededRandom(9),
        sleep,
        onRetry: ({ error, retryCount, delayMs }) => events.push([error.code, retryCount, delayMs]),
      },
    );
    expect(events).toEqual([
      [ErrorCode.NETWORK_EXCEPTION, 0, waits[0]],
      [ErrorCode.NETWORK_EXCEPTION, 1, waits[1]],
    ]);
  });

  it('stops waiting when the signal aborts', async () => {
    const abort = new AbortController();
    const reason = new Error('disconnected');
    const pending = retry(
      async () => {
        throw retriable();
      },
      { ...DEFAULT_RETRY, initialRetryTimeMs: 60_000, maxRetryTimeMs: 60_000 },
      { random: new SeededRandom(1), signal: abort.signal },
    );
    setTimeout(() => abort.abort(reason), 10);
    await expect(pending).rejects.toBe(reason);
  });
});

describe('backoff', () => {
  it('is reproducible from the seed', () => {
    expect([...backoffDelays(DEFAULT_RETRY, new SeededRandom(7))]).toEqual([...backoffDelays(DEFAULT_RETRY, new SeededRandom(7))]);
  });

  it('stays within KafkaJS bounds: each wait is the previous ±factor times the multiplier, capped', () => {
    const options: RetryOptions = { retries: 12, initialRetryTimeMs: 300, maxRetryTimeMs: 30_000, factor: 0.2, multiplier: 2 };
    for (let seed = 0; seed < 200; seed++) {
      const delays = [...backoffDelays(options, new SeededRandom(seed))];
      expect(delays).toHaveLength(12);
      // The first retry waits initialRetryTime ± 20 %.
      expect(delays[0]).toBeGreaterThanOrEqual(240);
      expect(delays[0]).toBeLessThanOrEqual(360);
      for (let i = 1; i < delays.length; i++) {
        const previous = delays[i - 1]!;
        const low = Math.min(Math.floor(previous * 0.8) * 2, options.maxRetryTimeMs);
        const high = Math.min(Math.ceil(previous * 1.2) * 2, options.maxRetryTimeMs);
        expect(delays[i]).toBeGreaterThanOrEqual(low);
        expect(delays[i]).toBeLessThanOrEqual(high);
      }
      expect(Math.max(...delays)).toBeLessThanOrEqual(options.maxRetryTimeMs);
      // Twelve doublings from 300 ms reach the cap.
      expect(delays[delays.length - 1]).toBe(options.maxRetryTimeMs);
    }
  });

  it('with factor 0 is exactly exponential', () => {
    const options: RetryOptions = { retries: 5, initialRetryTimeMs: 100, maxRetryTimeMs: 1_000, factor: 0, multiplier: 2 };
    expect([...backoffDelays(options, new SeededRandom(3))]).toEqual([100, 200, 400, 800, 1_000]);
    expect([0, 1, 2, 3, 4].map((n) => backoffDelay(options, n, new SeededRandom(3)))).toEqual([100, 200, 400, 800, 1_000]);
  });

  it('backoffDelay stays within ±factor of initial·multiplier^n', () => {
    const random = new SeededRandom(11);
    for (let n = 0; n < 8; n++) {
      for (let i = 0; i < 50; i++) {
        const base = Math.min(300 * 2 ** n, 30_000);
        const delay = backoffDelay(DEFAULT_RETRY, n, random);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(base * 0.8));
        expect(delay).toBeLessThanOrEqual(Math.min(Math.ceil(base * 1.2), 30_000));
      }
    }
  });
});

describe('stale metadata', () => {
  it('names the codes that call for a metadata refresh', () => {
    for (const code of [
      ErrorCode.NOT_LEADER_OR_FOLLOWER,
      ErrorCode.LEADER_NOT_AVAILABLE,
      ErrorCode.FENCED_LEADER_EPOCH,
      ErrorCode.UNKNOWN_LEADER_EPOCH,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.NETWORK_EXCEPTION,
      ErrorCode.NOT_CONTROLLER,
      ErrorCode.REQUEST_TIMED_OUT,
    ]) {
      expect(isStaleMetadataError(new QuillError(code))).toBe(true);
    }
    expect(isStaleMetadataError(new QuillError(ErrorCode.MESSAGE_TOO_LARGE))).toBe(false);
    expect(isStaleMetadataError(new Error('NOT_LEADER_OR_FOLLOWER'))).toBe(false);
  });
});
