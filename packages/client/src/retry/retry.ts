import { QuillError } from '@quill/proto';
import type { Random } from '@quill/random';

/**
 * How a failed request is retried: exponential backoff with jitter, KafkaJS's scheme and names
 * (with the units spelled out).
 *
 * The first retry waits about `initialRetryTimeMs`; each next wait is the previous one,
 * randomized by ±`factor`, times `multiplier`, never more than `maxRetryTimeMs`.
 * With the defaults the waits are roughly 300 ms, 600 ms, 1.2 s, 2.4 s, 4.8 s.
 */
export interface RetryOptions {
  /** How many times a failed call is retried (so at most `retries + 1` attempts). Default 5. */
  retries: number;
  /** The wait before the first retry, in ms. Default 300. */
  initialRetryTimeMs: number;
  /** The longest wait between two attempts, in ms. Default 30 000. */
  maxRetryTimeMs: number;
  /** Randomization factor (jitter): a wait w becomes uniform in [w·(1−factor), w·(1+factor)]. Default 0.2. */
  factor: number;
  /** Exponential growth of the wait from one retry to the next. Default 2. */
  multiplier: number;
}

/** The `retry` option: any of RetryOptions, also under KafkaJS's names (without the unit). */
export interface RetryConfig extends Partial<RetryOptions> {
  /** KafkaJS's name for `initialRetryTimeMs`. */
  initialRetryTime?: number;
  /** KafkaJS's name for `maxRetryTimeMs`. */
  maxRetryTime?: number;
}

/** KafkaJS's defaults. */
export const DEFAULT_RETRY: Readonly<RetryOptions> = Object.freeze({
  retries: 5,
  initialRetryTimeMs: 300,
  maxRetryTimeMs: 30_000,
  factor: 0.2,
  multiplier: 2,
});

/** Waits `ms` milliseconds; rejects with the signal's reason when it is aborted first. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** The real sleep, on timers; aborting the signal ends it at once. */
export const sleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('aborted');
}

/** What `retry` needs from its caller: randomness and time are injected, never global. */
export interface RetryContext {
  random: Random;
  sleep?: Sleep;
  /** Stops waiting and retrying; the pending wait rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Called after a retriable failure, before the wait. Callers use it to log and to mark
   * metadata stale (see `isStaleMetadataError`) so the next attempt refreshes it first.
   */
  onRetry?: (event: RetryEvent) => void;
}

/** One retriable failure that `retry` is about to wait out. */
export interface RetryEvent {
  error: QuillError;
  /** 0 for the first retry. */
  retryCount: number;
  /** How long `retry` waits before the next attempt, in ms. */
  delayMs: number;
}

/** Passed to each attempt. */
export interface AttemptInfo {
  /** 0 on the first attempt, n on the n-th retry. */
  retryCount: number;
}

/** Uniform in [base·(1−factor), base·(1+factor)], rounded up, as KafkaJS's `randomFromRetryTime`. */
function jitter(baseMs: number, factor: number, random: Random): number {
  const delta = factor * baseMs;
  return Math.ceil(baseMs - delta + random.next() * 2 * delta);
}

/**
 * The waits before retries 1, 2, ... `retries`, drawn from `random`: the first is the initial
 * retry time with jitter, each next one the previous with jitter times the multiplier, all
 * capped at `maxRetryTimeMs`.
 */
export function* backoffDelays(options: RetryOptions, random: Random): Generator<number, void, undefined> {
  let delayMs = Math.min(jitter(options.initialRetryTimeMs, options.factor, random), options.maxRetryTimeMs);
  for (let i = 0; i < options.retries; i++) {
    yield delayMs;
    delayMs = Math.min(jitter(delayMs, options.factor, random) * options.multiplier, options.maxRetryTimeMs);
  }
}

/**
 * The wait before retry number `retryCount` (0-based) when failures are counted rather than
 * looped over (a consumer backing off one partition): `initialRetryTimeMs · multiplier^retryCount`
 * with jitter, capped at `maxRetryTimeMs`.
 */
export function backoffDelay(options: RetryOptions, retryCount: number, random: Random): number {
  const base = Math.min(options.initialRetryTimeMs * options.multiplier ** retryCount, options.maxRetryTimeMs);
  return Math.min(jitter(base, options.factor, random), options.maxRetryTimeMs);
}

/** True only for errors that say so: a QuillError whose code is retriable. Anything else is final. */
export function isRetriableError(error: unknown): error is QuillError {
  return error instanceof QuillError && error.retriable;
}

/**
 * Runs `fn` and retries it with exponential backoff while it fails with a retriable error
 * (`retriable === true`, which only QuillErrors carry). A non-retriable error is thrown at
 * once; when the retries are used up, the last error is thrown again as a QuillError with the
 * same code and a message that says so (the original as its `cause`).
 *
 * @example
 * const metadata = await retry(() => connection.request('Metadata', request), DEFAULT_RETRY, { random });
 */
export async function retry<T>(
  fn: (attempt: AttemptInfo) => Promise<T>,
  options: RetryOptions,
  context: RetryContext,
): Promise<T> {
  const wait = context.sleep ?? sleep;
  const delays = backoffDelays(options, context.random);
  for (let retryCount = 0; ; retryCount++) {
    try {
      return await fn({ retryCount });
    } catch (error) {
      if (!isRetriableError(error)) throw error;
      if (context.signal?.aborted) throw error;
      const next = delays.next();
      if (next.done) {
        throw new QuillError(error.code, `${error.message} (gave up after ${retryCount} retries)`, { cause: error });
      }
      context.onRetry?.({ error, retryCount, delayMs: next.value });
      await wait(next.value, context.signal);
    }
  }
}
