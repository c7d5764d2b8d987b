// A short Jepsen-style run on a secure cluster: TLS with client certificates on every gRPC port
// (controllers' Raft and Controller service, brokers' clients and replication, all through the
// fault proxies, which forward the TLS bytes), SASL_SSL/SCRAM-SHA-512 on the brokers' ports and the
// authorizer on; the workload connects with the SDK's ssl and sasl options as a user with only the
// chaos topics' ACLs. A broker kill and an isolated leader on a fixed schedule, then the checker:
// any anomaly fails it.
import { seedFromEnv } from '@quill/random';
import { runChaos, type PlannedFault } from '@quill/testing';
import { describe, expect, it } from 'vitest';

const PLAN: PlannedFault[] = [
  { kind: 'kill', startAt: 300, endAt: 3_000, pick: 0.3 },
  { kind: 'partition', variant: 'isolate-leader', startAt: 3_800, endAt: 6_500, pick: 0.6 },
];

describe('quill chaos --secure (smoke)', () => {
  it('finds no anomaly under a broker kill and an isolated leader with TLS, SASL and ACLs on', async () => {
    const seed = seedFromEnv(17);
    const report = await runChaos({
      durationMs: 7_000,
      seed,
      faults: ['kill', 'partition'],
      plan: PLAN,
      rate: 40,
      sendDeadlineMs: 8_000,
      secure: true,
    });
    const summary = { seed, acknowledged: report.acknowledged, faults: report.faults.map((f) => `${f.startAt}-${f.endAt} ms ${f.detail}`), examples: report.examples };
    expect(report.faults.map((f) => f.kind), JSON.stringify(summary)).toEqual(['kill', 'partition']);
    expect(report.acknowledged, JSON.stringify(summary)).toBeGreaterThan(0);
    expect(report.ok, JSON.stringify(summary)).toBe(true);
  }, 120_000);
});
