import { benchConsume } from './consume.js';
import { median } from './metrics-cost.js';
import { benchProduce, type ProduceSettings } from './produce.js';
import type { BenchTarget } from './target.js';

export type SecurityCostSide = 'plaintext' | 'secure';

export interface SecurityCostSettings {
  /** Clusters started on each side, one after the other, the sides alternating. */
  runs: number;
  recordSizes: readonly number[];
  /** Each measured produce runs for `seconds`; its topic is then read back from the start. */
  seconds: number;
  /** Seconds of unmeasured produce on each new cluster first (cold code, first connections and handshakes). */
  warmUpS: number;
  /** Every produce setting but the topic, size and count: the same on both sides. */
  produce: Omit<ProduceSettings, 'topic' | 'recordSize' | 'records' | 'durationS'>;
  /** Prefix of the topics, one per record size. */
  topic: string;
  /** A consume run stops when no record arrived for this long. */
  idleTimeoutMs: number;
}

export interface SecurityCostRun {
  side: SecurityCostSide;
  recordSize: number;
  produceRecordsPerSec: number;
  produceMbPerSec: number;
  consumeRecordsPerSec: number;
  consumeMbPerSec: number;
  /** The consume run read every record the produce run wrote. */
  consumeComplete: boolean;
}

export interface SecurityCostSize {
  recordSize: number;
  plaintextProduceRecordsPerSec: number;
  secureProduceRecordsPerSec: number;
  /** Secure over plaintext median produce throughput (1: no cost). */
  produceRatio: number;
  plaintextConsumeRecordsPerSec: number;
  secureConsumeRecordsPerSec: number;
  consumeRatio: number;
}

export interface SecurityCostReport {
  benchmark: 'security-cost';
  /** What the secure side runs on the brokers' gRPC ports. */
  secureProtocol: 'SASL_SSL/SCRAM-SHA-512';
  seconds: number;
  acks: ProduceSettings['acks'];
  partitions: number;
  replicationFactor: number;
  runs: SecurityCostRun[];
  sizes: SecurityCostSize[];
}

/** A started cluster of one side, which the benchmark stops after its runs. */
export type OpenSide = (side: SecurityCostSide) => Promise<BenchTarget>;

/** Records a timed run may send at most: the duration, not the count, ends it. */
const UNBOUNDED_RECORDS = Number.MAX_SAFE_INTEGER;

/**
 * The order of the clusters: pairs of one of each side, the first of each pair alternating, so a
 * drift of the machine's speed (warming up, a neighbour's load) falls on both sides.
 */
export function alternatingSecuritySides(runs: number): SecurityCostSide[] {
  const sides: SecurityCostSide[] = [];
  for (let i = 0; i < runs; i++) sides.push(...(i % 2 === 0 ? (['plaintext', 'secure'] as const) : (['secure', 'plaintext'] as const)));
  return sides;
}

/** Each record size's median throughputs per side and the secure/plaintext ratios. */
export function securityCostSizes(runs: readonly SecurityCostRun[], recordSizes: readonly number[]): SecurityCostSize[] {
  return recordSizes.map((recordSize) => {
    const of = (side: SecurityCostSide, figure: 'produceRecordsPerSec' | 'consumeRecordsPerSec'): number =>
      median(runs.filter((r) => r.side === side && r.recordSize === recordSize).map((r) => r[figure]));
    const plaintextProduce = of('plaintext', 'produceRecordsPerSec');
    const secureProduce = of('secure', 'produceRecordsPerSec');
    const plaintextConsume = of('plaintext', 'consumeRecordsPerSec');
    const secureConsume = of('secure', 'consumeRecordsPerSec');
    return {
      recordSize,
      plaintextProduceRecordsPerSec: plaintextProduce,
      secureProduceRecordsPerSec: secureProduce,
      produceRatio: secureProduce / plaintextProduce,
      plaintextConsumeRecordsPerSec: plaintextConsume,
      secureConsumeRecordsPerSec: secureConsume,
      consumeRatio: secureConsume / plaintextConsume,
    };
  });
}

/**
 * Produce and consume throughput of a plaintext cluster against a secure one (TLS and
 * SCRAM-SHA-512 on the brokers' gRPC ports), each side on clusters of its own started one after
 * the other with the same settings: per cluster and record size, a timed produce into a topic of
 * its own, then a read of that topic from the start.
 */
export async function benchSecurityCost(openSide: OpenSide, settings: SecurityCostSettings, progress: (line: string) => void): Promise<SecurityCostReport> {
  const runs: SecurityCostRun[] = [];
  const sides = alternatingSecuritySides(settings.runs);
  for (const [i, side] of sides.entries()) {
    const target = await openSide(side);
    try {
      if (settings.warmUpS > 0) {
        await benchProduce(target, { ...settings.produce, topic: `${settings.topic}-warm-up`, recordSize: settings.recordSizes[0]!, records: UNBOUNDED_RECORDS, durationS: settings.warmUpS }, () => undefined);
      }
      for (const recordSize of settings.recordSizes) {
        const topic = `${settings.topic}-${recordSize}`;
        const produced = await benchProduce(target, { ...settings.produce, topic, recordSize, records: UNBOUNDED_RECORDS, durationS: settings.seconds }, () => undefined);
        const consumed = await benchConsume(target, { topic, records: undefined, consumers: 1, idleTimeoutMs: settings.idleTimeoutMs }, () => undefined);
        runs.push({
          side,
          recordSize,
          produceRecordsPerSec: produced.recordsPerSec,
          produceMbPerSec: produced.mbPerSec,
          consumeRecordsPerSec: consumed.recordsPerSec,
          consumeMbPerSec: consumed.mbPerSec,
          consumeComplete: consumed.complete,
        });
        progress(
          `cluster ${i + 1}/${sides.length} (${side}), ${recordSize} B: produce ${produced.recordsPerSec.toFixed(0)} records/sec, ` +
            `consume ${consumed.recordsPerSec.toFixed(0)} records/sec${consumed.complete ? '' : ' (INCOMPLETE)'}`,
        );
      }
    } finally {
      await target.stop();
    }
  }
  return {
    benchmark: 'security-cost',
    secureProtocol: 'SASL_SSL/SCRAM-SHA-512',
    seconds: settings.seconds,
    acks: settings.produce.acks,
    partitions: settings.produce.partitions,
    replicationFactor: settings.produce.replicationFactor,
    runs,
    sizes: securityCostSizes(runs, settings.recordSizes),
  };
}
