/** One reader of the consumer: `run()` or a `messages()` iterator; one at a time. */
export interface Reader {
  kind: 'run' | 'iterator';
  signal: AbortSignal;
  /** Stops this reader (a crash). */
  stop: AbortController;
}
