/**
 * Latency statistics for the benchmarks, in bounded memory whatever the number of samples: a
 * log-linear histogram in the manner of HdrHistogram. Values are kept in microseconds; below
 * 256 µs every value has its own bucket, above it each power of two is split into 128 buckets,
 * so a percentile is within 0.8% of the true value. Count, sum, min and max are exact.
 */

/** Buckets per power of two above the linear range: 2^7, i.e. at most 1/128 relative error. */
const SUB_BUCKET_BITS = 7;
const SUB_BUCKETS = 1 << SUB_BUCKET_BITS;
/** Values below this (µs) are counted exactly, one bucket each. */
const LINEAR_LIMIT = SUB_BUCKETS * 2;
/**
 * Largest value tracked, in µs (about 71 minutes): Math.clz32 covers 32 bits. A longer latency
 * would mean the benchmark hung; it still counts, in the top bucket, and `max` stays exact.
 */
const MAX_TRACKED_US = 2 ** 32 - 1;
const BUCKET_COUNT = bucketIndex(MAX_TRACKED_US) + 1;

function bucketIndex(us: number): number {
  if (us < LINEAR_LIMIT) return us;
  const bits = 32 - Math.clz32(us);
  const shift = bits - SUB_BUCKET_BITS - 1;
  // The top SUB_BUCKET_BITS + 1 bits of the value: SUB_BUCKETS..2*SUB_BUCKETS-1.
  const mantissa = us >>> shift;
  return LINEAR_LIMIT + (shift - 1) * SUB_BUCKETS + (mantissa - SUB_BUCKETS);
}

/** The largest value (µs) that falls into bucket `index`. */
function bucketHighest(index: number): number {
  if (index < LINEAR_LIMIT) return index;
  const shift = Math.floor((index - LINEAR_LIMIT) / SUB_BUCKETS) + 1;
  const mantissa = ((index - LINEAR_LIMIT) % SUB_BUCKETS) + SUB_BUCKETS;
  return (mantissa + 1) * 2 ** shift - 1;
}

/** The summary every benchmark reports, in ms (NaN, which JSON prints as null, when there are no samples). */
export interface LatencySummary {
  p50: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export class LatencyHistogram {
  // Float64, not Uint32: counts stay exact past 4 billion samples.
  private readonly counts = new Float64Array(BUCKET_COUNT);
  private total = 0;
  private sumUs = 0;
  private minUs = Number.POSITIVE_INFINITY;
  private maxUs = 0;

  /** Adds one sample, in ms (negative values, from clock adjustments, count as 0). */
  record(ms: number): void {
    const us = Math.min(MAX_TRACKED_US, Math.max(0, Math.round(ms * 1000)));
    this.counts[bucketIndex(us)]! += 1;
    this.total++;
    this.sumUs += us;
    if (us < this.minUs) this.minUs = us;
    if (us > this.maxUs) this.maxUs = us;
  }

  get count(): number {
    return this.total;
  }

  /** Mean in ms. */
  mean(): number {
    return this.total === 0 ? Number.NaN : this.sumUs / this.total / 1000;
  }

  /** Largest sample in ms (exact). */
  max(): number {
    return this.total === 0 ? Number.NaN : this.maxUs / 1000;
  }

  /**
   * Nearest-rank percentile (0 < p <= 100) in ms: the highest value of the bucket that holds the
   * sample of that rank, clamped to the exact min and max so p100 is the true maximum.
   */
  percentile(p: number): number {
    if (this.total === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKET_COUNT; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(this.maxUs, Math.max(this.minUs, bucketHighest(i))) / 1000;
    }
    return this.maxUs / 1000;
  }

  summary(): LatencySummary {
    return { p50: this.percentile(50), p99: this.percentile(99), p999: this.percentile(99.9), max: this.max(), mean: this.mean() };
  }
}

/**
 * What the once-a-second progress line shows (kafka-producer-perf-test's window): records and
 * bytes since the last line and, when the benchmark measures one, the mean and max latency of
 * those records.
 */
export class ProgressWindow {
  private records = 0;
  private bytes = 0;
  private latencySumMs = 0;
  private latencyMaxMs = 0;
  private startedAt: number;

  /** `verb` says what happened to the records ("sent", "read"); `now` is a ms clock. */
  constructor(
    private readonly verb: string,
    private readonly withLatency: boolean,
    private readonly now: () => number,
  ) {
    this.startedAt = now();
  }

  /** Counts `records` records of `bytes` bytes in all; `latencySumMs` and `latencyMaxMs` over those records. */
  add(records: number, bytes: number, latencySumMs = 0, latencyMaxMs = 0): void {
    this.records += records;
    this.bytes += bytes;
    this.latencySumMs += latencySumMs;
    this.latencyMaxMs = Math.max(this.latencyMaxMs, latencyMaxMs);
  }

  /** The window so far as a line, and a new window from now. */
  take(): string {
    const at = this.now();
    const seconds = Math.max(1e-9, (at - this.startedAt) / 1000);
    let line = `${this.records} records ${this.verb}, ${(this.records / seconds).toFixed(1)} records/sec (${(this.bytes / seconds / 1e6).toFixed(2)} MB/sec)`;
    if (this.withLatency) {
      const mean = this.records === 0 ? 0 : this.latencySumMs / this.records;
      line += `, ${mean.toFixed(1)} ms avg latency, ${this.latencyMaxMs.toFixed(1)} ms max latency`;
    }
    this.records = 0;
    this.bytes = 0;
    this.latencySumMs = 0;
    this.latencyMaxMs = 0;
    this.startedAt = at;
    return line;
  }
}

/** Throughput over a run; MB are 10^6 bytes, as JetStream's benchmark scripts and docs/BENCHMARKS.md count them. */
export function rates(records: number, bytes: number, seconds: number): { recordsPerSec: number; mbPerSec: number } {
  if (seconds <= 0) return { recordsPerSec: Number.NaN, mbPerSec: Number.NaN };
  return { recordsPerSec: records / seconds, mbPerSec: bytes / seconds / 1e6 };
}
