/** A pending timeout or interval; cancel it with `cancel()`. */
export interface Timer {
  cancel(): void;
}

/**
 * Time as a dependency. Components that wait (replica manager, group coordinator, metadata
 * follower, Raft driver) take a Clock instead of calling the global timers, so a test drives
 * their time by hand and a run does not depend on how fast the machine is.
 */
export interface Clock {
  /** Milliseconds since the epoch, as Date.now(). */
  now(): number;
  /** Runs `callback` once after `delayMs`. */
  setTimeout(callback: () => void, delayMs: number): Timer;
  /** Runs `callback` every `intervalMs` until cancelled. */
  setInterval(callback: () => void, intervalMs: number): Timer;
}

/** The process's own clock. Its timers do not keep the process alive (nodes stay up by their sockets). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, delayMs) {
    const handle = setTimeout(callback, delayMs);
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
  setInterval(callback, intervalMs) {
    const handle = setInterval(callback, intervalMs);
    handle.unref();
    return { cancel: () => clearInterval(handle) };
  },
};
