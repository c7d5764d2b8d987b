import { describe, expect, it } from 'vitest';
import { kcatAvailable } from './support/kcat-process.js';
import { quillAgainstCluster } from './support/run-quill.js';

// `quill bench produce`, `consume` and `e2e`, run briefly as a user would against a three-broker
// cluster: the JSON reports carry the promised fields, and the counts add up (every record sent
// is acknowledged, read back and received). No speed is asserted: the figures belong in
// docs/BENCHMARKS.md, measured on a quiet machine.

const { quill, cluster } = quillAgainstCluster();
const KCAT = kcatAvailable();

interface Latency {
  p50: number;
  p99: number;
  p999: number;
  max: number;
}
interface Figures {
  records: number;
  recordsPerSec: number;
  mbPerSec: number;
  latencyMs: Latency;
}

function expectOrderedLatency(latency: Latency): void {
  expect(latency.p50).toBeGreaterThan(0);
  expect(latency.p50).toBeLessThanOrEqual(latency.p99);
  expect(latency.p99).toBeLessThanOrEqual(latency.p999);
  expect(latency.p999).toBeLessThanOrEqual(latency.max);
}

describe('quill bench produce, consume and e2e', () => {
  it('produce sends every record, consume reads them all back from the start', async () => {
    const produced = await quill(['bench', 'produce', '--topic', 'bench-t', '--records', '30000', '--record-size', '100', '--partitions', '6', '--json']);
    expect(produced.code, produced.stderr).toBe(0);
    const report = JSON.parse(produced.stdout) as Figures & { benchmark: string; partitions: number; acks: number; sends: number };
    expect(report).toMatchObject({ benchmark: 'produce', records: 30000, partitions: 6, acks: -1 });
    expect(report.recordsPerSec).toBeGreaterThan(0);
    expect(report.mbPerSec).toBeCloseTo((report.recordsPerSec * 100) / 1e6, 3);
    expectOrderedLatency(report.latencyMs);

    const consumed = await quill(['bench', 'consume', '--topic', 'bench-t', '--json']);
    expect(consumed.code, consumed.stderr).toBe(0);
    const read = JSON.parse(consumed.stdout) as Figures & { benchmark: string; expected: number; complete: boolean; partitions: number };
    // The warm-up put one more record in each partition before the clock started.
    expect(read).toMatchObject({ benchmark: 'consume', records: 30006, expected: 30006, complete: true, partitions: 6 });
    expect(read.mbPerSec).toBeGreaterThan(0);
  }, 180_000);

  it('e2e receives every record it publishes at the asked rate, with publish-to-receive and ack latency and the brokers\' stage breakdown', async () => {
    const run = await quill(['bench', 'e2e', '--topic', 'bench-e2e', '--rate', '1000', '--duration', '2', '--metrics', cluster().metricsUrls.join(','), '--json']);
    expect(run.code, run.stderr).toBe(0);
    type Stage = { stage: string; count: number; meanMs: number; p50Ms: number; p99Ms: number };
    const report = JSON.parse(run.stdout) as Figures & { benchmark: string; sent: number; missing: number; achievedRate: number; ackLatencyMs: Latency; stages: Stage[] };
    expect(report).toMatchObject({ benchmark: 'e2e', sent: 2000, records: 2000, missing: 0 });
    expect(report.achievedRate).toBeGreaterThan(500);
    expectOrderedLatency(report.latencyMs);
    expectOrderedLatency(report.ackLatencyMs);
    // Every stage of an acks=all record's way was timed by some broker during the measured window.
    const stages = new Map(report.stages.map((s) => [s.stage, s]));
    for (const name of ['produce_append', 'leader_flush', 'replication_wait', 'follower_fetch_wakeup', 'follower_round_trip', 'follower_append', 'follower_flush', 'consumer_fetch_wakeup', 'flush_queue_wait', 'fsync']) {
      const stage = stages.get(name);
      expect(stage, name).toBeDefined();
      expect(stage!.count, name).toBeGreaterThan(0);
      expect(stage!.meanMs, name).toBeGreaterThanOrEqual(0);
      expect(stage!.p50Ms, name).toBeLessThanOrEqual(stage!.p99Ms);
    }
  }, 180_000);

  it.skipIf(!KCAT)(KCAT ? 'kafka: kcat through the Kafka listener and our clients move the same records, with ratios' : 'kafka SKIPPED: no kcat on PATH (.ci/run apt-installs it)', async () => {
    const run = await quill(['bench', 'kafka', '--kafka-bootstrap', cluster().kafkaBootstrap.join(','), '--records', '500', '--record-sizes', '100', '--partitions', '3', '--json']);
    expect(run.code, run.stderr).toBe(0);
    type Phase = { quill: Figures; kcat: Figures; ratio: number };
    const report = JSON.parse(run.stdout) as { benchmark: string; kcatVersion: string; sizes: Array<{ recordSize: number; records: number; produce: Phase; consume: Phase }> };
    expect(report.benchmark).toBe('kafka');
    expect(report.kcatVersion).toMatch(/^kcat \S+ \(librdkafka \S+\)$/);
    const [size] = report.sizes;
    expect(size).toMatchObject({ recordSize: 100, records: 500, produce: { quill: { records: 500 }, kcat: { records: 500 } } });
    // Both consumers read all of kcat's topic.
    expect(size!.consume.quill.records).toBe(500);
    expect(size!.consume.kcat.records).toBe(500);
    for (const phase of [size!.produce, size!.consume]) expect(phase.ratio).toBeCloseTo(phase.kcat.recordsPerSec / phase.quill.recordsPerSec, 6);
  }, 120_000);
});

describe('quill bench metrics-cost and metrics-scrape', () => {
  it('metrics-cost interleaves scraped and unscraped produce runs and reports each side\'s median and the cost', async () => {
    const run = await quill(['bench', 'metrics-cost', '--metrics', cluster().metricsUrls.join(','), '--runs', '1', '--seconds', '0.5', '--scrape-interval-ms', '100', '--partitions', '3', '--batch-size', '16384', '--json']);
    expect(run.code, run.stderr).toBe(0);
    type Run = { side: string; recordsPerSec: number; scrapes: number; scrapeFailures: number };
    const report = JSON.parse(run.stdout) as { benchmark: string; runs: Run[]; scrapedUrls: string[]; scrapedMedianRecordsPerSec: number; unscrapedMedianRecordsPerSec: number; costPercent: number };
    expect(report).toMatchObject({ benchmark: 'metrics-cost', scrapedUrls: [...cluster().metricsUrls] });
    expect(report.runs.map((r) => r.side)).toEqual(['scraped', 'unscraped']);
    const [scraped, unscraped] = report.runs;
    expect(scraped!.scrapes).toBeGreaterThanOrEqual(cluster().metricsUrls.length);
    expect(scraped!.scrapeFailures).toBe(0);
    expect(unscraped!.scrapes).toBe(0);
    expect(report.scrapedMedianRecordsPerSec).toBe(scraped!.recordsPerSec);
    expect(report.costPercent).toBeCloseTo(((unscraped!.recordsPerSec - scraped!.recordsPerSec) / unscraped!.recordsPerSec) * 100, 6);
  }, 120_000);

  it('metrics-scrape commits a group on every partition and times each broker\'s scrape with its lag series', async () => {
    const brokers = [1, 2, 3].map((id) => cluster().metricsUrl(id));
    const run = await quill(['bench', 'metrics-scrape', '--metrics', brokers.join(','), '--partitions', '12', '--scrapes', '3', '--json']);
    expect(run.code, run.stderr).toBe(0);
    type Broker = { url: string; series: number; lagSeries: number; scrapeMs: { p50: number; max: number }; registryHeapBytes: number };
    const report = JSON.parse(run.stdout) as { benchmark: string; partitions: number; brokers: Broker[]; scrapeP50Ms: number; scrapeMaxMs: number; registryHeapBytes: number };
    expect(report).toMatchObject({ benchmark: 'metrics-scrape', partitions: 12, settled: true });
    expect(report.brokers.map((b) => b.url)).toEqual(brokers);
    // The group's coordinator alone reports its lag: one series per partition.
    expect(report.brokers.map((b) => b.lagSeries).sort((a, b) => b - a)).toEqual([12, 0, 0]);
    for (const broker of report.brokers) {
      expect(broker.scrapeMs.p50).toBeGreaterThan(0);
      expect(broker.scrapeMs.p50).toBeLessThanOrEqual(broker.scrapeMs.max);
      expect(broker.registryHeapBytes).toBeGreaterThan(0);
    }
    expect(report.scrapeMaxMs).toBe(Math.max(...report.brokers.map((b) => b.scrapeMs.max)));
  }, 120_000);
});
