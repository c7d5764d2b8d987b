/**
 * Pure parts of `quill bench kafka`: which runs it makes, and how the figures of Quill's own
 * clients and of kcat (librdkafka) through the Kafka listener are compared and printed.
 */

/** One client's throughput over one phase: records, bytes of record values, and the time they took. */
export interface ClientFigures {
  records: number;
  bytes: number;
  seconds: number;
  recordsPerSec: number;
  mbPerSec: number;
}

/** Both clients over one phase (produce or consume) and kcat's share of Quill's throughput. */
export interface PhaseComparison {
  quill: ClientFigures;
  kcat: ClientFigures;
  /** kcat's records/s over Quill's (the same records, so the MB/s ratio is the same). */
  ratio: number;
}

/** Both phases at one record size. */
export interface SizeComparison {
  recordSize: number;
  /** Records each client produced (the consumers read all the topic held). */
  records: number;
  produce: PhaseComparison;
  consume: PhaseComparison;
}

export interface KafkaBenchReport {
  benchmark: 'kafka';
  partitions: number;
  replicationFactor: number;
  /** The producers' settings, the same for both clients. */
  acks: 'all';
  batchSize: number;
  lingerMs: number;
  compression: 'none';
  idempotent: boolean;
  /** kcat's version and librdkafka's. */
  kcatVersion: string;
  sizes: SizeComparison[];
}

/** A run at one record size. */
export interface SizeRun {
  recordSize: number;
  records: number;
}

/**
 * Pairs each record size with its record count: counts are given one per size, or a single one
 * for every size.
 */
export function planSizeRuns(recordSizes: readonly number[], records: readonly number[]): SizeRun[] {
  if (recordSizes.length === 0) throw new RangeError('give at least one record size');
  if (records.length !== 1 && records.length !== recordSizes.length) {
    throw new RangeError(`give one record count, or one per record size (${recordSizes.length}), got ${records.length}`);
  }
  return recordSizes.map((recordSize, i) => ({ recordSize, records: records.length === 1 ? records[0]! : records[i]! }));
}

/** Figures of `records` records of `bytes` bytes in all over `seconds` (NaN rates for no time). */
export function clientFigures(records: number, bytes: number, seconds: number): ClientFigures {
  const valid = seconds > 0;
  return { records, bytes, seconds, recordsPerSec: valid ? records / seconds : Number.NaN, mbPerSec: valid ? bytes / seconds / 1e6 : Number.NaN };
}

export function comparePhase(quill: ClientFigures, kcat: ClientFigures): PhaseComparison {
  return { quill, kcat, ratio: kcat.recordsPerSec / quill.recordsPerSec };
}

const rate = (f: ClientFigures): string => `${f.recordsPerSec.toFixed(0).padStart(9)} records/s ${f.mbPerSec.toFixed(2).padStart(7)} MB/s`;
const percent = (ratio: number): string => (Number.isFinite(ratio) ? `${(ratio * 100).toFixed(0)}%` : '-');

/** The text report: per size and phase, each client's rates and kcat's share of Quill's. */
export function kafkaReportText(report: KafkaBenchReport): string {
  const lines = [
    `${report.kcatVersion}; ${report.partitions} partitions, replication factor ${report.replicationFactor}; ` +
      `producers: acks=${report.acks}, batch ${report.batchSize} B, linger ${report.lingerMs} ms, compression ${report.compression}, ${report.idempotent ? '' : 'not '}idempotent.`,
  ];
  for (const size of report.sizes) {
    lines.push(`${size.recordSize} B records, ${size.records} per producer:`);
    for (const phase of ['produce', 'consume'] as const) {
      const p = size[phase];
      lines.push(`  ${phase.padEnd(7)} quill ${rate(p.quill)} | kcat ${rate(p.kcat)} | kcat/quill ${percent(p.ratio)}`);
    }
  }
  return lines.join('\n');
}
