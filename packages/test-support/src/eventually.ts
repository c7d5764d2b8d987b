/** What `eventually` waits on: a value other than undefined or false (now or once its promise settles). */
export type Probe<T> = () => T | undefined | false | PromiseLike<T | undefined | false>;

export interface EventuallyOptions {
  /** How long to keep asking before failing, in ms. */
  timeoutMs?: number;
  /** The pause between two asks, in ms. */
  intervalMs?: number;
  /** What is awaited, named in the failure. */
  description?: string;
}

export const EVENTUALLY_DEFAULTS: Readonly<Required<EventuallyOptions>> = Object.freeze({
  timeoutMs: 10_000,
  intervalMs: 10,
  description: 'the condition',
});

/**
 * Asks `probe` until it gives a value (not undefined or false) and returns that value; fails once
 * `timeoutMs` has passed without one. A probe that throws or rejects counts as "not yet" (a node
 * that is still starting refuses calls), and the failure carries its last error.
 */
export async function eventually<T>(probe: Probe<T>, options: EventuallyOptions = {}): Promise<T> {
  const { timeoutMs, intervalMs, description } = { ...EVENTUALLY_DEFAULTS, ...options };
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const last = lastError === undefined ? '' : ` (last error: ${lastError instanceof Error ? lastError.message : String(lastError)})`;
      throw new Error(`${description} not reached within ${timeoutMs} ms${last}`, lastError === undefined ? undefined : { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
