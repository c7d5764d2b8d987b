import { QuillError } from '@quill/client';
import { percentile } from './percentiles.js';
import { registryFootprintBytes } from './registry-footprint.js';
import { parseSamples, scrape } from './scrape.js';
import { benchClient, ensureTopic, type BenchTarget } from './target.js';

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
  const partitionIds = await ensureTopic(quill, settings.topic, settings.partitions, settings.replicationFactor, progress);
  const admin = quill.admin();
  try {
    await admin.connect();
    await admin.setOffsets({ groupId: settings.group, topic: settings.topic, partitions: partitionIds.map((partition) => ({ partition, offset: 0 })) });
  } finally {
    await admin.disconnect();
  }
  progress(`Committed offsets of group ${settings.group} on ${partitionIds.length} partitions.`);
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
    brokers,
    scrapeP50Ms: Math.max(...brokers.map((b) => b.scrapeMs.p50)),
    scrapeMaxMs: Math.max(...brokers.map((b) => b.scrapeMs.max)),
    registryHeapBytes: Math.max(...brokers.map((b) => b.registryHeapBytes)),
  };
}
