import { describe, expect, it } from 'vitest';
import { clientFigures, comparePhase, kafkaReportText, planSizeRuns, type KafkaBenchReport } from './kafka-report.js';

describe('planSizeRuns', () => {
  it('pairs each size with its own count, or one count with every size', () => {
    expect(planSizeRuns([100, 1024], [200_000, 100_000])).toEqual([
      { recordSize: 100, records: 200_000 },
      { recordSize: 1024, records: 100_000 },
    ]);
    expect(planSizeRuns([100, 1024], [500])).toEqual([
      { recordSize: 100, records: 500 },
      { recordSize: 1024, records: 500 },
    ]);
  });

  it('refuses counts that do not pair up, and no sizes', () => {
    expect(() => planSizeRuns([100, 1024, 4096], [1, 2])).toThrow('give one record count, or one per record size (3), got 2');
    expect(() => planSizeRuns([], [1])).toThrow('give at least one record size');
  });
});

describe('figures and ratios', () => {
  it('rates are per second, MB/s in 10^6 bytes, and the ratio is kcat over quill', () => {
    const quill = clientFigures(200_000, 20_000_000, 4);
    expect(quill).toEqual({ records: 200_000, bytes: 20_000_000, seconds: 4, recordsPerSec: 50_000, mbPerSec: 5 });
    const phase = comparePhase(quill, clientFigures(200_000, 20_000_000, 5));
    expect(phase.ratio).toBeCloseTo(0.8, 10);
  });

  it('no time measured gives no rate rather than Infinity', () => {
    expect(clientFigures(0, 0, 0).recordsPerSec).toBeNaN();
    expect(comparePhase(clientFigures(0, 0, 0), clientFigures(1, 1, 1)).ratio).toBeNaN();
  });
});

describe('kafkaReportText', () => {
  it('prints the settings, then both clients and the ratio per size and phase', () => {
    const report: KafkaBenchReport = {
      benchmark: 'kafka',
      partitions: 12,
      replicationFactor: 3,
      acks: 'all',
      batchSize: 524288,
      lingerMs: 5,
      compression: 'none',
      idempotent: true,
      kcatVersion: 'kcat 1.7.1 (librdkafka 2.0.2)',
      sizes: [
        {
          recordSize: 100,
          records: 200_000,
          produce: comparePhase(clientFigures(200_000, 20_000_000, 4), clientFigures(200_000, 20_000_000, 5)),
          consume: comparePhase(clientFigures(200_000, 20_000_000, 2), clientFigures(200_000, 20_000_000, 1)),
        },
      ],
    };
    expect(kafkaReportText(report).split('\n')).toEqual([
      'kcat 1.7.1 (librdkafka 2.0.2); 12 partitions, replication factor 3; producers: acks=all, batch 524288 B, linger 5 ms, compression none, idempotent.',
      '100 B records, 200000 per producer:',
      '  produce quill     50000 records/s    5.00 MB/s | kcat     40000 records/s    4.00 MB/s | kcat/quill 80%',
      '  consume quill    100000 records/s   10.00 MB/s | kcat    200000 records/s   20.00 MB/s | kcat/quill 200%',
    ]);
  });
});
