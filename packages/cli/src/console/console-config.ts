/** Limits of the web console's API: what one request may read, show or wait for. */
export interface ConsoleLimits {
  /** Most messages one browse returns. */
  maxBrowseMessages: number;
  /** Messages a browse returns when the request names no count. */
  defaultBrowseMessages: number;
  /** Bytes of a key, value or header shown; the rest is cut (its size still shown). */
  maxShownBytes: number;
  /** Bytes the browse consumer fetches per partition at a time, so one browse never holds much more. */
  browseFetchBytes: number;
  /** A browse returns what it has after this long (a partition whose records are gone, a slow broker). */
  browseTimeoutMs: number;
  /** Largest request body (a produced message) accepted. */
  maxRequestBodyBytes: number;
}

export const DEFAULT_CONSOLE_LIMITS: ConsoleLimits = {
  maxBrowseMessages: 500,
  defaultBrowseMessages: 50,
  maxShownBytes: 4_096,
  browseFetchBytes: 1_048_576,
  browseTimeoutMs: 5_000,
  maxRequestBodyBytes: 1_048_576,
};
