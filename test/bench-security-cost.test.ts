import { describe, expect, it } from 'vitest';
import { runQuill } from './support/run-quill.js';

// `quill bench security-cost --start-cluster`, run briefly: it starts a plaintext cluster and a
// secure one (TLS and SCRAM-SHA-512 on the gRPC ports) one after the other, produces and reads
// back on each, and reports each side's figures and the secure/plaintext ratios. No speed is
// asserted: the figures belong in docs/BENCHMARKS.md, measured on a quiet machine.

describe('quill bench security-cost', () => {
  it('measures produce and consume on a plaintext and a secure cluster and reports the ratios', async () => {
    const run = await runQuill(['bench', 'security-cost', '--start-cluster', '--record-sizes', '100,1024', '--seconds', '0.5', '--warm-up', '0', '--partitions', '2', '--batch-size', '16384', '--timeout-ms', '5000', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as {
      benchmark: string;
      acks: number;
      runs: Array<{ side: string; recordSize: number; produceRecordsPerSec: number; consumeRecordsPerSec: number; consumeComplete: boolean }>;
      sizes: Array<{ recordSize: number; produceRatio: number; consumeRatio: number }>;
    };
    expect(report).toMatchObject({ benchmark: 'security-cost', secureProtocol: 'SASL_SSL/SCRAM-SHA-512', acks: -1 });
    expect(report.runs.map((r) => `${r.side} ${r.recordSize}`)).toEqual(['plaintext 100', 'plaintext 1024', 'secure 100', 'secure 1024']);
    for (const r of report.runs) {
      expect(r.produceRecordsPerSec, JSON.stringify(r)).toBeGreaterThan(0);
      expect(r.consumeRecordsPerSec, JSON.stringify(r)).toBeGreaterThan(0);
      expect(r.consumeComplete, JSON.stringify(r)).toBe(true);
    }
    expect(report.sizes.map((s) => s.recordSize)).toEqual([100, 1024]);
    for (const s of report.sizes) {
      expect(s.produceRatio).toBeGreaterThan(0);
      expect(s.consumeRatio).toBeGreaterThan(0);
    }
  }, 120_000);
});
