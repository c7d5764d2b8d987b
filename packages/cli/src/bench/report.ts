import type { LatencySummary, ProgressWindow } from './stats.js';

/** What every throughput benchmark reports (the keys `--json` promises). */
export interface ThroughputFigures {
  records: number;
  /** Bytes of record values (keys too when there are any), as the Kafka perf tools count them. */
  bytes: number;
  seconds: number;
  recordsPerSec: number;
  mbPerSec: number;
  latencyMs: LatencySummary;
}

/** Prints the window as a progress line about once a second until the returned function is called. */
export function startProgress(window: ProgressWindow, progress: (line: string) => void): () => void {
  const timer = setInterval(() => progress(window.take()), 1000);
  return () => clearInterval(timer);
}

/** "12.34" for a figure, "-" when there was nothing to measure (NaN). */
export function ms(value: number): string {
  return Number.isNaN(value) ? '-' : value.toFixed(2);
}

/** The summary line of kafka-producer-perf-test, with the percentiles this benchmark reports. */
export function throughputLine(verb: string, figures: ThroughputFigures, latencyName = 'latency'): string {
  const { latencyMs: l } = figures;
  return (
    `${figures.records} records ${verb}, ${figures.recordsPerSec.toFixed(1)} records/sec (${figures.mbPerSec.toFixed(2)} MB/sec), ` +
    `${ms(l.mean)} ms avg ${latencyName}, ${ms(l.max)} ms max ${latencyName}, ` +
    `${ms(l.p50)} ms 50th, ${ms(l.p99)} ms 99th, ${ms(l.p999)} ms 99.9th.`
  );
}
