import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LogLevel } from '@quill/client';
import { SeededRandom } from '@quill/random';
import { pino } from 'pino';
import { ProcessCluster } from '../process-cluster.js';
import { checkHistory, type CheckResult } from './checker.js';
import { History } from './history.js';
import { Nemesis, type InjectedFault } from './nemesis.js';
import { planFaults, type FaultKind } from './nemesis-plan.js';
import { Readers, finalRead, runWriters } from './workload.js';

export interface ChaosOptions {
  /** How long the workload and the faults run, in ms. */
  durationMs: number;
  seed: number;
  faults: readonly FaultKind[];
  /** Target acknowledged-or-not writes per second over all writers. */
  rate: number;
  /** Where history.jsonl, report.json and node logs go (nothing is kept when unset). */
  outDir?: string;
  writers?: number;
  readers?: number;
  partitions?: number;
  keys?: number;
  /** The brokers' flush policy (group-commit by default; `os` acknowledges before fsync). */
  flushPolicy?: 'group-commit' | 'every-batch' | 'os';
  /** Progress lines (faults as they happen, phases). */
  progress?: (line: string) => void;
  /** A send unanswered this long is recorded as `info` and its producer replaced (default 15 s). */
  sendDeadlineMs?: number;
  /** Ends the workload early (then heal, final read and check run as usual). */
  signal?: AbortSignal;
  /**
   * How partitions are made: `proxy` (default) puts a fault-injecting proxy on every link;
   * `netns` runs each node in its own network namespace and drops packets in the kernel (root only).
   */
  network?: 'proxy' | 'netns';
}

/** The JSON report of a run: the anomaly counts are what the issue asks; `ok` is their verdict. */
export interface ChaosReport extends Omit<CheckResult, 'examples'> {
  seed: number;
  durationMs: number;
  faults: InjectedFault[];
  /** The final read reached every partition's high watermark. */
  finalReadComplete: boolean;
  /** High watermarks after healing, per partition. */
  endOffsets: Record<number, number>;
  examples: CheckResult['examples'];
}

/** Settings of the workload and cluster, chosen for a 2-core machine (see docs/CHAOS.md). */
export const CHAOS_DEFAULTS = {
  writers: 4,
  readers: 2,
  partitions: 3,
  keys: 8,
  /** Followers out of touch this long leave the ISR, so acks=all writes resume during faults. */
  replicaLagTimeMaxMs: 2_000,
  /** A produce attempt's deadline; a send gives up (an `info`) after the client's retries. */
  requestTimeoutMs: 3_000,
  /** Replication wait of an acks=all produce before REQUEST_TIMED_OUT (Kafka's request.timeout.ms is 30 s). */
  produceTimeoutMs: 3_000,
  /** A send unanswered this long is `info` and its producer replaced (the client's retries take less). */
  sendDeadlineMs: 15_000,
  readerRestartBackoffMs: 250,
  /** How long the healed cluster has to come back before the final read starts anyway. */
  recoveryTimeoutMs: 60_000,
  finalReadTimeoutMs: 60_000,
} as const;

const TOPIC = 'chaos';
const MIN_INSYNC_REPLICAS = 2;
/** How often the high watermarks are asked for while waiting for them to cover every acknowledgement. */
const END_OFFSETS_POLL_MS = 250;

/**
 * A Jepsen-style run: a 3-controller, 3-broker process cluster (proxied, or in network namespaces); idempotent acks=all
 * writers and from-the-start readers recording a history; a seeded nemesis; then heal, a final
 * read of every partition, and the checker. Stops the cluster and deletes its data at the end.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const settings = { ...CHAOS_DEFAULTS, ...definedOnly(options) };
  const progress = options.progress ?? ((): void => undefined);
  if (options.outDir !== undefined) fs.mkdirSync(path.join(options.outDir, 'logs'), { recursive: true });
  const saveLogs = (name: string, text: string): void => {
    if (options.outDir !== undefined) fs.appendFileSync(path.join(options.outDir, 'logs', `${name}.log`), text);
  };
  const ledgerDir = options.faults.includes('power-loss') ? fs.mkdtempSync(path.join(os.tmpdir(), 'quill-fsync-ledger-')) : undefined;
  const brokerArgs = ['--min-insync-replicas', String(MIN_INSYNC_REPLICAS), '--replica-lag-time-max-ms', String(settings.replicaLagTimeMaxMs)];
  if (options.flushPolicy !== undefined) brokerArgs.push('--flush-policy', options.flushPolicy);
  const netns = options.network === 'netns';
  progress(`starting 3 controllers and 3 brokers ${netns ? 'in their own network namespaces' : 'behind per-link proxies'}`);
  const cluster = await ProcessCluster.start({
    brokers: 3,
    controllers: 3,
    proxied: !netns,
    network: netns ? 'netns' : 'loopback',
    logLevel: 'warn',
    brokerArgs,
    ...(ledgerDir === undefined ? {} : { env: { QUILL_TEST_FSYNC_LEDGER: ledgerDir } }),
  });
  const history = new History(options.outDir === undefined ? undefined : path.join(options.outDir, 'history.jsonl'));
  try {
    const quill = cluster.client({
      requestTimeoutMs: settings.requestTimeoutMs,
      retry: { retries: 5, initialRetryTimeMs: 100, maxRetryTimeMs: 1_000 },
      // With --out, the workload's client logs go to logs/client.log (retries, metadata refreshes).
      ...(options.outDir === undefined
        ? {}
        : { logLevel: LogLevel.DEBUG, logger: pino({ level: 'debug' }, pino.destination({ dest: path.join(options.outDir, 'logs', 'client.log'), sync: true })) }),
    });
    const admin = quill.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: settings.partitions, replicationFactor: 3 }] });
    await admin.disconnect();

    const random = new SeededRandom(options.seed);
    const plan = planFaults({ seed: random.nextUint32(), durationMs: options.durationMs, kinds: options.faults });
    const workloadStart = history.now();
    const workloadEnd = workloadStart + options.durationMs;
    const done = (): boolean => history.now() >= workloadEnd || options.signal?.aborted === true;
    const nemesis = new Nemesis(cluster, history, {
      topic: TOPIC,
      partitions: settings.partitions,
      saveLogs,
      ...(ledgerDir === undefined ? {} : { fsyncLedgerDir: ledgerDir }),
    });
    const readers = new Readers({ quill, topic: TOPIC, partitions: settings.partitions, readers: settings.readers, history, done, restartBackoffMs: settings.readerRestartBackoffMs });
    progress(`workload for ${options.durationMs} ms at ${options.rate} writes/s; ${plan.length} faults planned (${options.faults.join(',') || 'none'})`);
    readers.start();
    const shifted = plan.map((f) => ({ ...f, startAt: f.startAt + workloadStart, endAt: f.endAt + workloadStart }));
    const nemesisRun = nemesis.run(shifted).then(() => undefined);
    options.signal?.addEventListener('abort', () => nemesis.stop(), { once: true });
    const reportFaults = setInterval(() => {
      const last = nemesis.injected.at(-1);
      if (last !== undefined && last.endAt < 0) progress(`${(history.now() / 1000).toFixed(1)} s: ${last.detail}`);
    }, 5_000);
    try {
      await runWriters({ quill, topic: TOPIC, writers: settings.writers, keys: settings.keys, rate: options.rate, produceTimeoutMs: settings.produceTimeoutMs, sendDeadlineMs: settings.sendDeadlineMs, history, random: random.fork(), done });
    } finally {
      clearInterval(reportFaults);
      nemesis.stop();
      await nemesisRun;
      await nemesis.healAll();
    }
    const writesEnded = history.now();
    progress('healed; waiting for the cluster to recover');
    await cluster.waitForBrokers(3, settings.recoveryTimeoutMs).catch((error: unknown) => progress(`not every broker is back: ${String(error)}`));
    await readers.stop();
    const endOffsets = await settledEndOffsets(quill, history, settings.recoveryTimeoutMs);
    progress(`final read up to ${JSON.stringify(Object.fromEntries(endOffsets))}`);
    const { complete } = await finalRead({ quill, topic: TOPIC, endOffsets, history, timeoutMs: settings.finalReadTimeoutMs });
    const result = checkHistory(history.events, { workloadStart, workloadEnd: Math.min(workloadEnd, writesEnded) });
    const report: ChaosReport = {
      seed: options.seed,
      durationMs: options.durationMs,
      faults: nemesis.injected,
      ...result,
      finalReadComplete: complete,
      ok: result.ok && complete,
      endOffsets: Object.fromEntries(endOffsets),
    };
    if (options.outDir !== undefined) {
      fs.writeFileSync(path.join(options.outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
      for (const node of cluster.nodes.values()) saveLogs(node.process.name, node.process.logs);
    }
    return report;
  } finally {
    history.close();
    await cluster.stop();
    if (ledgerDir !== undefined) fs.rmSync(ledgerDir, { recursive: true, force: true });
  }

  /**
   * The high watermarks once every acknowledged write is below them (a new leader's high
   * watermark catches up only after its followers fetch), or whatever they are at the deadline.
   */
  async function settledEndOffsets(quill: ReturnType<ProcessCluster['client']>, events: History, timeoutMs: number): Promise<Map<number, number>> {
    const acked = new Map<number, number>();
    for (const event of events.events) if (event.type === 'ok') acked.set(event.partition, Math.max(acked.get(event.partition) ?? 0, event.offset + 1));
    const deadline = Date.now() + timeoutMs;
    const admin = quill.admin();
    let offsets = new Map<number, number>();
    try {
      await admin.connect();
      for (;;) {
        try {
          offsets = new Map((await admin.fetchTopicOffsets(TOPIC)).map((p) => [p.partition, p.high]));
          if ([...acked].every(([partition, end]) => (offsets.get(partition) ?? 0) >= end)) return offsets;
        } catch {
          // A partition without a leader yet: ask again.
        }
        if (Date.now() > deadline) return offsets;
        await new Promise((resolve) => setTimeout(resolve, END_OFFSETS_POLL_MS));
      }
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}

type Tunable = 'writers' | 'readers' | 'partitions' | 'keys' | 'sendDeadlineMs';

function definedOnly(options: ChaosOptions): Partial<Record<Tunable, number>> {
  const out: Partial<Record<Tunable, number>> = {};
  for (const name of ['writers', 'readers', 'partitions', 'keys', 'sendDeadlineMs'] as const) {
    const value = options[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}
