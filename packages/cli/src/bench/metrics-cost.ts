import { QuillError } from '@quill/client';
import { benchProduce, type ProduceSettings } from './produce.js';
import { startScrapingProcess } from './scrape.js';
import type { BenchTarget } from './target.js';

export type MetricsCostSide = 'scraped' | 'unscraped';

export interface MetricsCostSettings {
  /** Produce runs on each side. */
  runs: number;
  /** Every run but `durationS` and `records`: each run produces for `seconds`. */
  produce: Omit<ProduceSettings, 'durationS' | 'records'>;
  seconds: number;
  scrapeIntervalMs: number;
}

export interface MetricsCostRun {
  side: MetricsCostSide;
  recordsPerSec: number;
  mbPerSec: number;
  /** Scrapes made during the run (0 on the unscraped side), and those that failed. */
  scrapes: number;
  scrapeFailures: number;
}

export interface MetricsCostReport {
  benchmark: 'metrics-cost';
  topic: string;
  partitions: number;
  recordSize: number;
  seconds: number;
  scrapeIntervalMs: number;
  /** The /metrics URLs scraped on the scraped side. */
  scrapedUrls: string[];
  runs: MetricsCostRun[];
  scrapedMedianRecordsPerSec: number;
  unscrapedMedianRecordsPerSec: number;
  /** How much lower the scraped median is than the unscraped one, in percent (negative: higher). */
  costPercent: number;
}

/** Records a timed run may send at most: the duration, not the count, ends it. */
const UNBOUNDED_RECORDS = Number.MAX_SAFE_INTEGER;

/**
 * Seconds of the unmeasured warm-up run, scraped, before the measured ones: the first run would
 * otherwise (always on the scraped side) carry the one-off costs of cold code in producer and
 * brokers and of each node's first scrape (up to half a second of CPU on a controller).
 */
export const METRICS_COST_WARM_UP_S = 5;

/**
 * The order of the runs: pairs of one run each side, the first of each pair alternating, so a
 * drift of the machine's speed over the minutes (warming up, a neighbour's load) falls on both.
 */
export function alternatingSides(runs: number): MetricsCostSide[] {
  const sides: MetricsCostSide[] = [];
  for (let i = 0; i < runs; i++) sides.push(...(i % 2 === 0 ? (['scraped', 'unscraped'] as const) : (['unscraped', 'scraped'] as const)));
  return sides;
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Each side's median throughput and the scraped side's shortfall in percent. */
export function metricsCostSummary(runs: readonly MetricsCostRun[]): Pick<MetricsCostReport, 'scrapedMedianRecordsPerSec' | 'unscrapedMedianRecordsPerSec' | 'costPercent'> {
  const of = (side: MetricsCostSide): number => median(runs.filter((r) => r.side === side).map((r) => r.recordsPerSec));
  const scraped = of('scraped');
  const unscraped = of('unscraped');
  return { scrapedMedianRecordsPerSec: scraped, unscrapedMedianRecordsPerSec: unscraped, costPercent: ((unscraped - scraped) / unscraped) * 100 };
}

/**
 * Produce throughput with every node's /metrics scraped each `scrapeIntervalMs` against the same
 * without scraping, on the same cluster and topic, the runs of the two sides interleaved.
 */
export async function benchMetricsCost(target: BenchTarget, settings: MetricsCostSettings, progress: (line: string) => void): Promise<MetricsCostReport> {
  const urls = target.metricsUrls?.all;
  if (urls === undefined || urls.length === 0) throw new QuillError('INVALID_CONFIG', 'bench metrics-cost scrapes the nodes: give --metrics with --bootstrap, or use --start-cluster.');
  const runs: MetricsCostRun[] = [];
  let partitions = settings.produce.partitions;
  const sides = alternatingSides(settings.runs);
  const warmUp = await startScrapingProcess(urls, settings.scrapeIntervalMs);
  try {
    await benchProduce(target, { ...settings.produce, records: UNBOUNDED_RECORDS, durationS: METRICS_COST_WARM_UP_S }, () => undefined);
  } finally {
    const counted = await warmUp.stop();
    progress(`warm-up (${METRICS_COST_WARM_UP_S} s, scraped, not measured): ${counted.scrapes} scrapes, ${counted.failures} failed`);
  }
  for (const [i, side] of sides.entries()) {
    const scraper = side === 'scraped' ? await startScrapingProcess(urls, settings.scrapeIntervalMs) : undefined;
    let counted = { scrapes: 0, failures: 0 };
    try {
      const report = await benchProduce(target, { ...settings.produce, records: UNBOUNDED_RECORDS, durationS: settings.seconds }, () => undefined);
      partitions = report.partitions;
      counted = (await scraper?.stop()) ?? counted;
      runs.push({ side, recordsPerSec: report.recordsPerSec, mbPerSec: report.mbPerSec, scrapes: counted.scrapes, scrapeFailures: counted.failures });
      progress(`run ${i + 1}/${sides.length} (${side}): ${report.recordsPerSec.toFixed(0)} records/sec${side === 'scraped' ? `, ${counted.scrapes} scrapes, ${counted.failures} failed` : ''}`);
    } finally {
      await scraper?.stop();
    }
  }
  return {
    benchmark: 'metrics-cost',
    topic: settings.produce.topic,
    partitions,
    recordSize: settings.produce.recordSize,
    seconds: settings.seconds,
    scrapeIntervalMs: settings.scrapeIntervalMs,
    scrapedUrls: urls,
    runs,
    ...metricsCostSummary(runs),
  };
}
