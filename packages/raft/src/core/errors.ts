/**
 * Errors of the Raft core.
 *
 * Two kinds, kept apart on purpose (Tiger Style): a broken invariant is a bug and
 * throws `RaftInvariantError` (never caught inside the core); an expected condition
 * (not the leader, a compacted index, ...) is a typed result or one of the named
 * storage errors below, which the core handles itself.
 */

/** A broken invariant: a bug in the core or in the code driving it. Crash loudly. */
export class RaftInvariantError extends Error {
  override readonly name = 'RaftInvariantError';
}

/** Throws `RaftInvariantError` unless `condition` holds. Use a constant message in hot paths. */
export function invariant(condition: boolean, message: string): asserts condition {
  if (!condition) throw new RaftInvariantError(message);
}

/** Invalid configuration given to a node (bad ids, timeouts, limits). */
export class RaftConfigError extends Error {
  override readonly name = 'RaftConfigError';
}

/** The requested index lies at or before the storage's snapshot: its entry is gone. */
export class CompactedError extends Error {
  override readonly name = 'CompactedError';
  constructor(
    readonly index: number,
    readonly firstIndex: number,
  ) {
    super(`index ${index} is compacted (first available index is ${firstIndex})`);
  }
}

/** The requested index lies beyond the last entry in storage. */
export class UnavailableError extends Error {
  override readonly name = 'UnavailableError';
  constructor(
    readonly index: number,
    readonly lastIndex: number,
  ) {
    super(`index ${index} is unavailable (last index is ${lastIndex})`);
  }
}
