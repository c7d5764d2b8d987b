/**
 * A check each request of a stream passes before its handler sees it (authorization, set by the
 * security layer that opened the stream): answers the request itself, or lets `handle` answer it.
 */
export type StreamRequestGuard = (request: unknown, handle: (request: unknown) => Promise<unknown>) => Promise<unknown>;

const guards = new WeakMap<object, StreamRequestGuard>();

/** Puts every request `call` will carry through `guard`. */
export function guardStreamRequests(call: object, guard: StreamRequestGuard): void {
  guards.set(call, guard);
}

/** The guard of a stream's requests, if its call has one. */
export function streamRequestGuardOf(call: object): StreamRequestGuard | undefined {
  return guards.get(call);
}
