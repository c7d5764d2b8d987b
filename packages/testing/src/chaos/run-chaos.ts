import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LogLevel } from '@quill/client';
import { SeededRandom } from '@quill/random';
import { pino } from 'pino';
import { unsyncedFsUnavailableReason } from '../power-loss-fs/build.js';
import { ProcessCluster } from '../process-cluster.js';
import { checkHistory, type CheckResult } from './checker.js';
import { History } from './history.js';
import { Nemesis, type InjectedFault } from './nemesis.js';
import { planFaults, type FaultKind, type PlannedFault } from './nemesis-plan.js';
import type { PowerLossShape } from './power-loss.js';
import { TopicChurn } from './topic-churn.js';
import { Readers, finalRead, runWriters, type EndOffsets } from './workload.js';

export interface ChaosOptions {
  /** How long the workload and the faults run, in ms. */
  durationMs: number;
  seed: number;
  faults: readonly FaultKind[];
  /** A fixed schedule instead of the seeded one (times in ms from the workload's start; kinds must be among `faults`). */
  plan?: readonly PlannedFault[];
  /** Target acknowledged-or-not writes per second over all writers. */
  rate: number;
  /** Where history.jsonl, report.json and node logs go (nothing is kept when unset). */
  outDir?: string;
  writers?: number;
  readers?: number;
  /** Checked topics (`chaos-0`, `chaos-1`, ...), each with `partitions` partitions. */
  topics?: number;
  partitions?: number;
  keys?: number;
  /** The brokers' min.insync.replicas (replication factor 3). */
  minInsyncReplicas?: number;
  /** The brokers' flush policy (group-commit by default; `os` acknowledges before fsync). */
  flushPolicy?: 'group-commit' | 'every-batch' | 'os';
  /** The shapes `power-loss` faults take (default: all, one, staggered). */
  powerLossShapes?: readonly PowerLossShape[];
  /** Progress lines (faults as they happen, phases). */
  progress?: (line: string) => void;
  /** A send unanswered this long is recorded as `info` and its producer replaced (default 15 s). */
  sendDeadlineMs?: number;
  /** How far past `durationMs` the workload may run while overrunning faults finish the plan (default 60 s). */
  faultOverrunMaxMs?: number;
  /** Ends the workload early (then heal, final read and check run as usual). */
  signal?: AbortSignal;
  /**
   * How partitions are made: `proxy` (default) puts a fault-injecting proxy on every link;
   * `netns` runs each node in its own network namespace and drops packets in the kernel (root only).
   */
  network?: 'proxy' | 'netns';
  /**
   * A secure cluster (see ProcessClusterOptions.secure): TLS with client certificates on every
   * gRPC port, SASL_SSL/SCRAM-SHA-512 on the brokers', the authorizer on; the workload connects
   * with the SDK's ssl and sasl options as a user with only its topics' ACLs, the nemesis as the
   * super user.
   */
  secure?: boolean;
}

/** The JSON report of a run: the checker's anomaly counts, and `ok`, their verdict. */
export interface ChaosReport extends Omit<CheckResult, 'examples'> {
  seed: number;
  durationMs: number;
  faults: InjectedFault[];
  /** The final read reached every partition's high watermark. */
  finalReadComplete: boolean;
  /** High watermarks after healing, per topic and partition. */
  endOffsets: Record<string, Record<number, number>>;
  /** With `topic-churn`: the churned topic's last incarnation, and whether its final read reached its high watermarks. */
  churn?: { incarnation: number; finalReadComplete: boolean };
  examples: CheckResult['examples'];
}

/** Settings of the workload and cluster, chosen for a 2-core machine (see docs/CHAOS.md). */
export const CHAOS_DEFAULTS = {
  writers: 4,
  readers: 2,
  topics: 2,
  partitions: 3,
  keys: 8,
  /** acks=all needs two in-sync replicas of three, so one replica may be out while writes go on. */
  minInsyncReplicas: 2,
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
  /** `isr-churn`'s one-way delay on a leader–follower link: 1.5 x the lag limit, so the follower drops out. */
  isrChurnDelayMs: 3_000,
  /** How long a node restarted by `rolling-restart` or `leader-move` has to be back (unfenced and in sync). */
  restartTimeoutMs: 30_000,
  /** A SIGTERMed node still in its controlled shutdown after this is SIGKILLed (Kafka's shutdown has no such bound). */
  shutdownGraceMs: 10_000,
  /** The topic-churn side producer's writes per second. */
  churnRate: 5,
  churnPartitions: 2,
  /** How long one delete-and-re-create of the churned topic may take. */
  churnRecreateTimeoutMs: 20_000,
  churnRetryBackoffMs: 250,
  /** How far past its duration the workload may run while overrunning faults finish the plan. */
  faultOverrunMaxMs: 60_000,
} as const;

const TOPIC_PREFIX = 'chaos';
/** On a secure cluster, the workload's user: the checked and churned topics' ACLs, nothing more. */
const WORKLOAD_USER = 'chaos-workload';
/** What the writers, readers, topic churn and final read do: every topic named chaos*, no group, no cluster operation. */
const WORKLOAD_ACLS = (['CREATE', 'WRITE', 'READ', 'DESCRIBE', 'DELETE'] as const).map((operation) => ({
  resourceType: 'TOPIC' as const,
  resourceName: TOPIC_PREFIX,
  resourcePatternType: 'PREFIXED' as const,
  host: '*',
  operation,
  permissionType: 'ALLOW' as const,
}));
const CHURN_TOPIC = 'chaos-churn';
const REPLICATION_FACTOR = 3;
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
  const netns = options.network === 'netns';
  if (netns && options.faults.includes('isr-churn')) throw new RangeError('isr-churn slows links through the proxies: it needs --network proxy');
  const topics = Array.from({ length: settings.topics }, (_, i) => `${TOPIC_PREFIX}-${i}`);
  // Power loss needs every node's data on the unsynced-fs FUSE filesystem.
  const powerLoss = options.faults.includes('power-loss');
  const noFuse = powerLoss ? unsyncedFsUnavailableReason() : undefined;
  if (noFuse !== undefined) throw new RangeError(`power-loss needs the unsynced-fs FUSE filesystem: ${noFuse}`);
  // Each broker watches its own directory, so an fsync fault hits one node.
  const fsyncFaultsDir = options.faults.includes('fsync-fail') ? fs.mkdtempSync(path.join(os.tmpdir(), 'quill-fsync-faults-')) : undefined;
  const brokerArgs = ['--min-insync-replicas', String(settings.minInsyncReplicas), '--replica-lag-time-max-ms', String(settings.replicaLagTimeMaxMs)];
  if (options.flushPolicy !== undefined) brokerArgs.push('--flush-policy', options.flushPolicy);
  if (netns && options.secure) throw new RangeError('a secure cluster needs --network proxy (its certificates name loopback only)');
  progress(`starting 3 controllers and 3 brokers ${netns ? 'in their own network namespaces' : 'behind per-link proxies'}${options.secure ? ', TLS and SASL_SSL/SCRAM-SHA-512 on every gRPC port, the authorizer on' : ''}`);
  const cluster = await ProcessCluster.start({
    brokers: 3,
    controllers: 3,
    proxied: !netns,
    network: netns ? 'netns' : 'loopback',
    logLevel: 'warn',
    brokerArgs,
    unsyncedDisks: powerLoss,
    secure: options.secure ?? false,
    ...(fsyncFaultsDir === undefined ? {} : { envFor: (id: number) => ({ QUILL_TEST_FSYNC_FAULTS: fsyncFaultDir(fsyncFaultsDir, id) }) }),
  });
  const history = new History(options.outDir === undefined ? undefined : path.join(options.outDir, 'history.jsonl'));
  try {
    // The nemesis acts as the super user (an operator); the workload as a user with only its ACLs.
    const workloadSasl = options.secure ? await cluster.createUser(WORKLOAD_USER, WORKLOAD_ACLS) : undefined;
    const quill = cluster.client({
      ...(workloadSasl === undefined ? {} : { sasl: workloadSasl }),
      requestTimeoutMs: settings.requestTimeoutMs,
      retry: { retries: 5, initialRetryTimeMs: 100, maxRetryTimeMs: 1_000 },
      // With --out, the workload's client logs go to logs/client.log (retries, metadata refreshes).
      ...(options.outDir === undefined
        ? {}
        : { logLevel: LogLevel.DEBUG, logger: pino({ level: 'debug' }, pino.destination({ dest: path.join(options.outDir, 'logs', 'client.log'), sync: true })) }),
    });
    const admin = quill.admin();
    await admin.connect();
    await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: settings.partitions, replicationFactor: REPLICATION_FACTOR })) });
    await admin.disconnect();

    const random = new SeededRandom(options.seed);
    const planSeed = random.nextUint32();
    const plan = options.plan ?? planFaults({ seed: planSeed, durationMs: options.durationMs, kinds: options.faults, ...(options.powerLossShapes === undefined ? {} : { powerLossShapes: options.powerLossShapes }) });
    const workloadStart = history.now();
    const workloadEnd = workloadStart + options.durationMs;
    // The workload runs on past its end while a fault that overran its window (a slow restart)
    // pushes the rest of the plan back, up to a bound, so every planned fault meets writes.
    let planDone = false;
    const done = (): boolean =>
      options.signal?.aborted === true || history.now() >= workloadEnd + settings.faultOverrunMaxMs || (history.now() >= workloadEnd && planDone);
    const churn = options.faults.includes('topic-churn')
      ? new TopicChurn({
          quill,
          topic: CHURN_TOPIC,
          partitions: settings.churnPartitions,
          replicationFactor: REPLICATION_FACTOR,
          history,
          rate: settings.churnRate,
          produceTimeoutMs: settings.produceTimeoutMs,
          recreateTimeoutMs: settings.churnRecreateTimeoutMs,
          retryBackoffMs: settings.churnRetryBackoffMs,
          done,
        })
      : undefined;
    await churn?.start();
    const nemesis = new Nemesis(cluster, history, {
      topics,
      partitions: settings.partitions,
      isrChurnDelayMs: settings.isrChurnDelayMs,
      restartTimeoutMs: settings.restartTimeoutMs,
      shutdownGraceMs: settings.shutdownGraceMs,
      ...(churn === undefined ? {} : { churn }),
      ...(fsyncFaultsDir === undefined ? {} : { fsyncFaultDirs: new Map(brokerIds(cluster).map((id) => [id, fsyncFaultDir(fsyncFaultsDir, id)])) }),
      saveLogs,
    });
    const readers = new Readers({ quill, topics, partitions: settings.partitions, readers: settings.readers, history, done, restartBackoffMs: settings.readerRestartBackoffMs });
    progress(`workload for ${options.durationMs} ms at ${options.rate} writes/s; ${plan.length} faults planned (${options.faults.join(',') || 'none'})`);
    readers.start();
    const shifted = plan.map((f) => ({ ...f, startAt: f.startAt + workloadStart, endAt: f.endAt + workloadStart }));
    const nemesisRun = nemesis.run(shifted).then(() => {
      planDone = true;
    });
    options.signal?.addEventListener('abort', () => nemesis.stop(), { once: true });
    const reportFaults = setInterval(() => {
      const last = nemesis.injected.at(-1);
      if (last !== undefined && last.endAt < 0) progress(`${(history.now() / 1000).toFixed(1)} s: ${last.detail}`);
    }, 5_000);
    try {
      await runWriters({ quill, topics, writers: settings.writers, keys: settings.keys, rate: options.rate, produceTimeoutMs: settings.produceTimeoutMs, sendDeadlineMs: settings.sendDeadlineMs, history, random: random.fork(), done });
    } finally {
      clearInterval(reportFaults);
      nemesis.stop();
      await nemesisRun;
      const exited = await nemesis.healAll();
      if (exited.length > 0) progress(`nodes ${exited.join(',')} had exited by themselves; restarted them`);
    }
    const writesEnded = history.now();
    progress('healed; waiting for the cluster to recover');
    await cluster.waitForBrokers(3, settings.recoveryTimeoutMs).catch((error: unknown) => progress(`not every broker is back: ${String(error)}`));
    await readers.stop();
    await churn?.stop();
    const endOffsets = await settledEndOffsets(quill, history, settings.recoveryTimeoutMs);
    const endOffsetsRecord = Object.fromEntries([...endOffsets].map(([topic, ends]) => [topic, Object.fromEntries(ends)]));
    progress(`final read up to ${JSON.stringify(endOffsetsRecord)}`);
    // Without every checked partition's high watermark (brokers that never came back), a final
    // read proves nothing: it stays incomplete, and the checker does not count unread writes lost.
    const covered = topics.every((topic) => endOffsets.get(topic)?.size === settings.partitions);
    if (!covered) progress('the final read is incomplete: not every partition answered its high watermark');
    const read = await finalRead({ quill, endOffsets, history, timeoutMs: settings.finalReadTimeoutMs });
    const complete = covered && read.complete;
    const churnRead = churn === undefined ? undefined : await churn.finalRead(settings.finalReadTimeoutMs);
    const result = checkHistory(history.events, { workloadStart, workloadEnd: writesEnded, finalReadDone: complete });
    const report: ChaosReport = {
      seed: options.seed,
      durationMs: options.durationMs,
      faults: nemesis.injected,
      ...result,
      finalReadComplete: complete,
      ok: result.ok && complete && (churnRead?.complete ?? true),
      endOffsets: endOffsetsRecord,
      ...(churn === undefined || churnRead === undefined ? {} : { churn: { incarnation: churn.current, finalReadComplete: churnRead.complete } }),
    };
    if (options.outDir !== undefined) {
      fs.writeFileSync(path.join(options.outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
      for (const node of cluster.nodes.values()) saveLogs(node.process.name, node.process.logs);
    }
    return report;
  } finally {
    history.close();
    await cluster.stop();
    if (fsyncFaultsDir !== undefined) fs.rmSync(fsyncFaultsDir, { recursive: true, force: true });
  }

  /**
   * The high watermarks once every acknowledged write is below them (a new leader's high
   * watermark catches up only after its followers fetch), or whatever they are at the deadline.
   */
  async function settledEndOffsets(quill: ReturnType<ProcessCluster['client']>, events: History, timeoutMs: number): Promise<EndOffsets> {
    const acked = new Map<string, number>();
    for (const event of events.events) {
      if (event.type === 'ok') acked.set(`${event.topic}/${event.partition}`, Math.max(acked.get(`${event.topic}/${event.partition}`) ?? 0, event.offset + 1));
    }
    const deadline = Date.now() + timeoutMs;
    const admin = quill.admin();
    let offsets: EndOffsets = new Map();
    try {
      await admin.connect();
      for (;;) {
        try {
          const asked = await Promise.all(topics.map(async (topic) => [topic, new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high]))] as const));
          offsets = new Map(asked);
          const high = (key: string): number => {
            const [topic, partition] = key.split('/');
            return offsets.get(topic!)?.get(Number(partition)) ?? 0;
          };
          if ([...acked].every(([key, end]) => high(key) >= end)) return offsets;
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

type Tunable = 'writers' | 'readers' | 'topics' | 'partitions' | 'keys' | 'minInsyncReplicas' | 'sendDeadlineMs' | 'faultOverrunMaxMs';

function brokerIds(cluster: ProcessCluster): number[] {
  return [...cluster.nodes.values()].filter((n) => n.roles.includes('broker')).map((n) => n.id);
}

/** Broker `id`'s own QUILL_TEST_FSYNC_FAULTS directory under the run's. */
function fsyncFaultDir(root: string, id: number): string {
  const dir = path.join(root, `node-${id}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

function definedOnly(options: ChaosOptions): Partial<Record<Tunable, number>> {
  const out: Partial<Record<Tunable, number>> = {};
  for (const name of ['writers', 'readers', 'topics', 'partitions', 'keys', 'minInsyncReplicas', 'sendDeadlineMs', 'faultOverrunMaxMs'] as const) {
    const value = options[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}
