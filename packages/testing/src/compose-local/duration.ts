import { configError } from './config-error.js';

const UNIT_MS: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };

/** A compose duration ("1m30s", "10s", "500ms") in milliseconds. */
export function parseDuration(text: unknown, what: string): number {
  const source = String(text).trim();
  if (source.length === 0) throw configError(`${what}: empty duration`);
  let total = 0;
  let rest = source;
  while (rest.length > 0) {
    const match = /^(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/.exec(rest);
    if (match === null) throw configError(`${what}: '${source}' is not a duration (like 10s, 1m30s or 500ms)`);
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
    rest = rest.slice(match[0].length);
  }
  return Math.round(total);
}
