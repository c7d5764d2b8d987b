import { QuillError } from '@quill/client';
import { percentile } from './percentiles.js';
import { registryFootprintBytes } from './registry-footprint.js';
import { parseSamples, scrape } from './scrape.js';
import { benchClient, ensureTopic, type BenchTarget } from './target.js';

/**
 * How long the offset commit may keep retrying: while the brokers open a new topic's 1,000
 * partitions on a loaded machine, the group's coordinator can move for longer than the client's own retries.
 */
const COMMIT_DEADLINE_MS = 120_000;

/** How long to wait for every replica and lag series of the topic to show before timing anyway. */
const SETTLE_DEADLINE_MS = 120_000;
const SETTLE_POLL_MS = 1000;

/** Series of `topic` over every broker: hosted replicas (their log end offsets) and the group's lag series. */
async function seriesOf(urls: readonly string[], topic: string, group: string): Promise<{ replicas: number; lags: number }> {
  let replicas = 0;
  let lags = 0;
  for (const url of urls) {
    for (const s of parseSamples((await scrape(url)).text)) {
      if (s.labels['topic'] !== topic) continue;
      if (s.name === 'quill_log_end_offset') replicas++;
      else if (s.name === 'quill_consumer_group_lag' && s.labels['group'] === group) lags++;
    }
  }
  return { replicas, lags };
}

/** Runs `commit` again on a retriable error, up to COMMIT_DEADLINE_MS. */
async function untilAccepted(commit: () => Promise<void>, progress: (line: string) => void): Promise<void> {
  const deadline = performance.now() + COMMIT_DEADLINE_MS;
  for (;;) {
    try {
      return await commit();
    } catch (error) {
      if (!(error instanceof QuillError) || !error.retriable || performance.now() >= deadline) throw error;
      progress(`Offset commit: ${error.message}; committing again.`);
    }
  }
}

export interface MetricsScrapeSettings {
  topic: string;
  partitions: number;
  replicationFactor: number;
  group: string;
  /** Scrapes of each broker, one after the other. */
  scrapes: number;
}

export interface BrokerScrapeFigures {
  url: string;
  /** Sample lines of one scrape, of them consumer-group lag series, and the answer's bytes. */
  series: number;
  lagSeries: number;
  bytes: number;
  /** The first scrape (not among the timed ones): the first lag computation asks leaders for their high watermarks. */
  firstScrapeMs: number;
  scrapeMs: { p50: number; max: number };
  /** Heap of a prom-client registry holding this broker's series, measured in the benchmark's process (registryFootprintBytes). */
  registryHeapBytes: number;
  /** The broker's own process figures from its last scrape (all of its memory, not the metrics' share). */
  brokerHeapUsedBytes: number | undefined;
  brokerResidentBytes: number | undefined;
}

export interface MetricsScrapeReport {
  benchmark: 'metrics-scrape';
  topic: string;
  partitions: number;
  group: string;
  scrapes: number;
  /** Whether every replica and lag series of the topic showed before the timed scrapes. */
  settled: boolean;
  brokers: BrokerScrapeFigures[];
  /** Over every broker: the slowest median and slowest single scrape, and the largest registry. */
  scrapeP50Ms: number;
  scrapeMaxMs: number;
  registryHeapBytes: number;
}

/**
 * Time to scrape each broker's /metrics with a topic of `partitions` partitions and a group
 * with an offset committed on each of them (so every partition has a lag series on the group's
 * coordinator), and the memory such a registry holds.
 */
export async function benchMetricsScrape(target: BenchTarget, settings: MetricsScrapeSettings, progress: (line: string) => void): Promise<MetricsScrapeReport> {
  const urls = target.metricsUrls?.brokers;
  if (urls === undefined || urls.length === 0) throw new QuillError('INVALID_CONFIG', 'bench metrics-scrape scrapes the brokers: give --metrics with --bootstrap, or use --start-cluster.');
  const quill = benchClient(target);
  const admin = quill.admin();
  let partitionIds: number[];
  try {
    await admin.connect();
    // The group's coordinator (and the offsets topic) first, while the cluster is not yet busy opening the topic's partitions.
    await untilAccepted(async () => void (await admin.fetchOffsets({ groupId: settings.group })), progress);
    partitionIds = await ensureTopic(quill, settings.topic, settings.partitions, settings.replicationFactor, progress);
    const partitions = partitionIds.map((partition) => ({ partition, offset: 0 }));
    await untilAccepted(() => admin.setOffsets({ groupId: settings.group, topic: settings.topic, partitions }), progress);
  } finally {
    await admin.disconnect();
  }
  progress(`Committed offsets of group ${settings.group} on ${partitionIds.length} partitions.`);
  // The brokers open a new topic's replicas over a while: time the scrapes once all of them, and the
  // lag of every partition, show (or after SETTLE_DEADLINE_MS, saying so in the report).
  const expected = { replicas: partitionIds.length * settings.replicationFactor, lags: partitionIds.length };
  const settleDeadline = performance.now() + SETTLE_DEADLINE_MS;
  let seen = await seriesOf(urls, settings.topic, settings.group);
  while ((seen.replicas < expected.replicas || seen.lags < expected.lags) && performance.now() < settleDeadline) {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
    seen = await seriesOf(urls, settings.topic, settings.group);
  }
  const settled = seen.replicas >= expected.replicas && seen.lags >= expected.lags;
  progress(`${settled ? 'Settled' : 'NOT settled'}: ${seen.replicas} of ${expected.replicas} replica series, ${seen.lags} of ${expected.lags} lag series.`);
  const brokers: BrokerScrapeFigures[] = [];
  for (const url of urls) {
    const times: number[] = [];
    const first = await scrape(url);
    let last = first;
    for (let i = 0; i < settings.scrapes; i++) {
      last = await scrape(url);
      times.push(last.ms);
    }
    const samples = parseSamples(last.text);
    const processFigure = (name: string): number | undefined => samples.find((s) => s.name === name)?.value;
    const figures: BrokerScrapeFigures = {
      url,
      series: samples.length,
      lagSeries: samples.filter((s) => s.name === 'quill_consumer_group_lag' && s.labels['group'] === settings.group).length,
      bytes: last.bytes,
      firstScrapeMs: first.ms,
      scrapeMs: { p50: percentile(times, 50), max: Math.max(...times) },
      registryHeapBytes: await registryFootprintBytes(samples),
      brokerHeapUsedBytes: processFigure('nodejs_heap_size_used_bytes'),
      brokerResidentBytes: processFigure('process_resident_memory_bytes'),
    };
    brokers.push(figures);
    progress(`${url}: ${figures.series} series (${figures.lagSeries} lag), ${figures.bytes} bytes, scrape ${figures.scrapeMs.p50.toFixed(1)} ms 50th, ${figures.scrapeMs.max.toFixed(1)} ms max`);
  }
  return {
    benchmark: 'metrics-scrape',
    topic: settings.topic,
    partitions: partitionIds.length,
    group: settings.group,
    scrapes: settings.scrapes,
    settled,
    brokers,
    scrapeP50Ms: Math.max(...brokers.map((b) => b.scrapeMs.p50)),
    scrapeMaxMs: Math.max(...brokers.map((b) => b.scrapeMs.max)),
    registryHeapBytes: Math.max(...brokers.map((b) => b.registryHeapBytes)),
  };
}
