/** A node's readiness: ready, or not with a one-line reason (the body of a 503 /readyz). */
export type Readiness = { ready: true } | { ready: false; reason: string };

export const READY: Readiness = { ready: true };

export const notReady = (reason: string): Readiness => ({ ready: false, reason });

/** Ready when every part is; otherwise the first part's reason. */
export function combinedReadiness(parts: readonly Readiness[]): Readiness {
  return parts.find((part) => !part.ready) ?? READY;
}
