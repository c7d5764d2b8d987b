/**
 * Where an e2e run's time went, from the brokers' own stage timings: the
 * `quill_latency_stage_seconds` histogram and the fsync rounds of `quill_log_flush_duration_seconds`,
 * summed over the brokers and taken as the difference between a scrape before and one after the
 * measured window.
 */

const STAGE_METRIC = 'quill_latency_stage_seconds';
const FLUSH_METRIC = 'quill_log_flush_duration_seconds';
/** The fsync rounds, reported beside the stages under this name. */
const FSYNC_STAGE = 'fsync';
/** Deadline of one scrape. */
const SCRAPE_TIMEOUT_MS = 5_000;

interface Histogram {
  count: number;
  sum: number;
  /** Cumulative counts by upper bound, as exposed. */
  buckets: Map<number, number>;
}

/** The stage histograms of some brokers at one moment, summed. */
export type StageSnapshot = Map<string, Histogram>;

export interface StageFigures {
  stage: string;
  count: number;
  meanMs: number;
  /** Estimated from the buckets (linear inside a bucket), as Prometheus's histogram_quantile does. */
  p50Ms: number;
  p99Ms: number;
}

/** Scrapes every URL and sums the stage histograms. */
export async function scrapeStages(urls: readonly string[]): Promise<StageSnapshot> {
  const texts = await Promise.all(
    urls.map(async (url) => {
      const response = await fetch(url, { signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS) });
      if (!response.ok) throw new Error(`${url} answered ${response.status}`);
      return response.text();
    }),
  );
  const snapshot: StageSnapshot = new Map();
  for (const text of texts) addStages(snapshot, text);
  return snapshot;
}

/** Adds the stage and flush histograms of one exposition text to `snapshot`. */
export function addStages(snapshot: StageSnapshot, text: string): void {
  for (const line of text.split('\n')) {
    const sample = parseSample(line);
    if (sample === undefined) continue;
    const { name, labels, value } = sample;
    let family: string;
    let stage: string;
    if (name.startsWith(STAGE_METRIC) && labels.stage !== undefined) {
      family = name.slice(STAGE_METRIC.length);
      stage = labels.stage;
    } else if (name.startsWith(FLUSH_METRIC)) {
      family = name.slice(FLUSH_METRIC.length);
      stage = FSYNC_STAGE;
    } else {
      continue;
    }
    let histogram = snapshot.get(stage);
    if (histogram === undefined) snapshot.set(stage, (histogram = { count: 0, sum: 0, buckets: new Map() }));
    if (family === '_count') histogram.count += value;
    else if (family === '_sum') histogram.sum += value;
    else if (family === '_bucket' && labels.le !== undefined) {
      const le = labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(labels.le);
      histogram.buckets.set(le, (histogram.buckets.get(le) ?? 0) + value);
    }
  }
}

/** What happened between two snapshots, per stage that saw anything. */
export function stagesBetween(before: StageSnapshot, after: StageSnapshot): StageFigures[] {
  const figures: StageFigures[] = [];
  for (const [stage, end] of after) {
    const start = before.get(stage);
    const count = end.count - (start?.count ?? 0);
    if (count <= 0) continue;
    const buckets = [...end.buckets].map(([le, n]) => [le, n - (start?.buckets.get(le) ?? 0)] as const).sort((a, b) => a[0] - b[0]);
    figures.push({
      stage,
      count,
      meanMs: ((end.sum - (start?.sum ?? 0)) / count) * 1000,
      p50Ms: quantile(buckets, count, 0.5) * 1000,
      p99Ms: quantile(buckets, count, 0.99) * 1000,
    });
  }
  return figures;
}

function quantile(buckets: ReadonlyArray<readonly [number, number]>, count: number, q: number): number {
  const rank = q * count;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [le, cumulative] of buckets) {
    if (cumulative >= rank) {
      // Past the last finite bound nothing is known but that bound.
      if (!Number.isFinite(le)) return lowerBound;
      const inBucket = cumulative - lowerCount;
      return inBucket <= 0 ? le : lowerBound + ((le - lowerBound) * (rank - lowerCount)) / inBucket;
    }
    lowerBound = le;
    lowerCount = cumulative;
  }
  return lowerBound;
}

/** One sample line of the Prometheus text format; comments, blank lines and others give undefined. */
function parseSample(line: string): { name: string; labels: Record<string, string>; value: number } | undefined {
  const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
  if (match === null) return undefined;
  const labels: Record<string, string> = {};
  for (const label of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[label[1]!] = label[2]!;
  return { name: match[1]!, labels, value: Number(match[3]) };
}
