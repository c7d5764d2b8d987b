/**
 * controller.quorum.fetch.timeout.ms (Kafka: 2 s): a metadata stream silent this long is taken
 * for a dead or paused controller. The active controller sends something at least every
 * metadata.max.idle.interval.ms (500 ms by default), so a live one is never taken for dead.
 */
export const DEFAULT_METADATA_FETCH_TIMEOUT_MS = 2_000;

/**
 * Judges one open metadata stream; pure (the caller passes the clock), so a paused controller, a
 * moved leader and a stalled caller are testable without timers. A stream is left when it was
 * silent for `fetchTimeoutMs` (a stopped controller keeps its connection open and never errors),
 * or when the controller client learns of another active controller after the stream opened (a
 * broker's heartbeats find the new one first).
 */
export class StreamWatch {
  private lastHeardMs: number;
  private lastCheckMs: number;

  constructor(
    private readonly fetchTimeoutMs: number,
    /** How often the caller calls idle(). */
    private readonly checkIntervalMs: number,
    /** The controller this stream reads from. */
    readonly source: string,
    private readonly activeAtOpen: string | undefined,
    nowMs: number,
  ) {
    this.lastHeardMs = nowMs;
    this.lastCheckMs = nowMs;
  }

  /** A message arrived on the stream. */
  heard(nowMs: number): void {
    this.lastHeardMs = nowMs;
  }

  /** Called every `checkIntervalMs`: true once the stream was silent for the fetch timeout. */
  idle(nowMs: number): boolean {
    // Time the caller itself did not run (its own pause, a long GC) is not the controller's
    // silence: what the controller sent meanwhile is still unread when a late timer fires.
    const stalledMs = nowMs - this.lastCheckMs - this.checkIntervalMs;
    if (stalledMs > this.checkIntervalMs) this.lastHeardMs = Math.min(nowMs, this.lastHeardMs + stalledMs);
    this.lastCheckMs = nowMs;
    return nowMs - this.lastHeardMs >= this.fetchTimeoutMs;
  }

  /**
   * Whether the controller client's news that `active` is the active controller means leaving.
   * The one it named when the stream opened is not news: following a NOT_CONTROLLER hint can
   * open a stream elsewhere while the client still names an older leader.
   */
  moved(active: string | undefined): boolean {
    return active !== undefined && active !== this.source && active !== this.activeAtOpen;
  }
}
