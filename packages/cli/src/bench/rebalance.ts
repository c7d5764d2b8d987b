import { loadavg } from 'node:os';
import { QuillError, partitionForKey, type Consumer, type Quill } from '@quill/client';
import { percentile } from './percentiles.js';
import { groupIdsCoveringPartitions, settledGeneration, type MemberJoin } from './rebalance-coverage.js';
import { benchClient, ensureTopic, type BenchTarget } from './target.js';

/** The internal topic whose partition leaders coordinate groups. */
const GROUP_METADATA_TOPIC = '__consumer_offsets';

/** DescribeGroups calls in flight at once while warming the coordinators. */
const PROBES_IN_FLIGHT = 8;

/** A trial that has not settled by then failed: the group never covered every partition. */
const SETTLE_DEADLINE_MS = 60_000;

export interface RebalanceSettings {
  topic: string;
  /** Partitions of the topic when the benchmark creates it. */
  partitions: number;
  replicationFactor: number;
  /** Consumers per group (at least 2: one leaves). */
  members: number;
  trials: number;
}

/** p50, p99 and max of one phase over the trials, in ms. */
export interface DurationSummary {
  p50: number;
  p99: number;
  max: number;
}

export interface RebalanceTrial {
  groupId: string;
  /** From run() on every member to the last member's GROUP_JOIN of the generation covering every partition. */
  joinMs: number;
  joinGenerationId: number;
  /** From one member's disconnect() to the others' GROUP_JOIN of a newer generation covering every partition. */
  leaveMs: number;
  leaveGenerationId: number;
  /** From that disconnect() to the last remaining member starting to rejoin (it heard of the rebalance). */
  leaveNoticedMs: number;
}

export interface RebalanceReport {
  benchmark: 'rebalance';
  topic: string;
  partitions: number;
  members: number;
  trials: number;
  joinMs: DurationSummary;
  leaveMs: DurationSummary;
  leaveNoticedMs: DurationSummary;
  trialResults: RebalanceTrial[];
  /** os.loadavg() at the start and the end (1, 5 and 15 minutes): the machine may be shared. */
  loadAverage: { start: number[]; end: number[] };
}

/**
 * Rebalance time of a consumer group with default settings: `members` consumers (each a client
 * of its own) of a fresh group start at once, timed until all of them have joined one
 * generation whose assignments cover the topic's partitions exactly once; then one member
 * disconnects (LeaveGroup), timed until the rest have joined a newer such generation. The
 * first use of a group creates __consumer_offsets, so a throwaway group goes first, untimed,
 * and every coordinator partition is made to load before the trials (see warmCoordinators).
 */
export async function benchRebalance(target: BenchTarget, settings: RebalanceSettings, progress: (line: string) => void): Promise<RebalanceReport> {
  if (settings.members < 2) throw new QuillError('INVALID_CONFIG', `--members must be at least 2 (one of them leaves), got ${settings.members}.`);
  const loadAtStart = loadavg();
  const partitionIds = await ensureTopic(benchClient(target), settings.topic, settings.partitions, settings.replicationFactor, progress);
  const runId = `bench-rebalance-${Date.now().toString(36)}`;

  const warmupStarted = performance.now();
  const warmup = new TrialGroup(target, `${runId}-warmup`, settings.topic, partitionIds.length, 1);
  try {
    await warmup.connect();
    await warmup.start();
    await warmup.settled([0], 0);
  } finally {
    await warmup.stop();
  }
  const coordinatorPartitions = await warmCoordinators(target, runId);
  progress(
    `Warm-up: a throwaway group (it creates ${GROUP_METADATA_TOPIC}) and all ${coordinatorPartitions} coordinator partitions loaded ` +
      `in ${(performance.now() - warmupStarted).toFixed(0)} ms (not counted).`,
  );

  const trialResults: RebalanceTrial[] = [];
  for (let trial = 0; trial < settings.trials; trial++) {
    const result = await runTrial(target, `${runId}-${trial}`, settings.topic, partitionIds.length, settings.members);
    trialResults.push(result);
    progress(
      `trial ${trial + 1}/${settings.trials}: ${settings.members} members formed generation ${result.joinGenerationId} in ${result.joinMs.toFixed(0)} ms; ` +
        `after one left, generation ${result.leaveGenerationId} in ${result.leaveMs.toFixed(0)} ms (all heard of it after ${result.leaveNoticedMs.toFixed(0)} ms)`,
    );
  }
  return {
    benchmark: 'rebalance',
    topic: settings.topic,
    partitions: partitionIds.length,
    members: settings.members,
    trials: settings.trials,
    joinMs: summarize(trialResults.map((t) => t.joinMs)),
    leaveMs: summarize(trialResults.map((t) => t.leaveMs)),
    leaveNoticedMs: summarize(trialResults.map((t) => t.leaveNoticedMs)),
    trialResults,
    loadAverage: { start: loadAtStart, end: loadavg() },
  };
}

/**
 * Right after __consumer_offsets is created its partitions get leaders and load over a few
 * seconds; a trial group whose coordinator is not ready would time the client's retry backoff.
 * Describing one group id per partition waits (the admin client retries NOT_COORDINATOR and
 * COORDINATOR_LOAD_IN_PROGRESS) until every coordinator answers. Returns the partition count.
 */
async function warmCoordinators(target: BenchTarget, runId: string): Promise<number> {
  const admin = benchClient(target).admin();
  try {
    await admin.connect();
    const { topics } = await admin.fetchTopicMetadata({ topics: [GROUP_METADATA_TOPIC] });
    const partitionCount = topics[0]?.partitions.length ?? 0;
    if (partitionCount === 0) throw new QuillError('COORDINATOR_NOT_AVAILABLE', `${GROUP_METADATA_TOPIC} has no partitions.`);
    const probes = groupIdsCoveringPartitions(`${runId}-probe`, partitionCount, (groupId) => partitionForKey(groupId, partitionCount));
    // A few at a time: each call in flight listens on the admin client's one abort signal.
    for (let i = 0; i < probes.length; i += PROBES_IN_FLIGHT) await admin.describeGroups(probes.slice(i, i + PROBES_IN_FLIGHT));
    return partitionCount;
  } finally {
    await admin.disconnect();
  }
}

async function runTrial(target: BenchTarget, groupId: string, topic: string, partitionCount: number, memberCount: number): Promise<RebalanceTrial> {
  const group = new TrialGroup(target, groupId, topic, partitionCount, memberCount);
  const everyone = group.members.map((m) => m.index);
  try {
    await group.connect();
    const joinStarted = performance.now();
    await group.start();
    const formed = await group.settled(everyone, 0);

    const leaver = group.members[memberCount - 1]!;
    const staying = everyone.filter((index) => index !== leaver.index);
    const leaveStarted = performance.now();
    group.markRebalancingSince(leaveStarted);
    const leaving = leaver.consumer.disconnect();
    const rebalanced = await group.settled(staying, formed.generationId);
    await leaving;
    return {
      groupId,
      joinMs: formed.atMs - joinStarted,
      joinGenerationId: formed.generationId,
      leaveMs: rebalanced.atMs - leaveStarted,
      leaveGenerationId: rebalanced.generationId,
      leaveNoticedMs: group.lastRebalancingAtMs(staying) - leaveStarted,
    };
  } finally {
    await group.stop();
  }
}

interface Member {
  index: number;
  quill: Quill;
  consumer: Consumer;
}

interface Waiter {
  members: readonly number[];
  afterGeneration: number;
  resolve: (settled: { generationId: number; atMs: number }) => void;
}

/** The consumers of one group, with what their GROUP_JOIN and REBALANCING events said and when. */
class TrialGroup {
  readonly members: Member[];
  private readonly latest = new Map<number, MemberJoin>();
  private readonly waiters = new Set<Waiter>();
  private rebalancingSinceMs = Number.POSITIVE_INFINITY;
  private readonly firstRebalancingAtMs = new Map<number, number>();

  constructor(
    target: BenchTarget,
    readonly groupId: string,
    private readonly topic: string,
    private readonly partitionCount: number,
    memberCount: number,
  ) {
    this.members = Array.from({ length: memberCount }, (_, index) => {
      const quill = benchClient(target);
      // Default group settings: session 30 s, heartbeat 3 s, rebalance 60 s, round-robin.
      const consumer = quill.consumer({ groupId });
      consumer.on(consumer.events.GROUP_JOIN, (event) => this.onJoin(index, event.generationId, event.memberAssignment[topic] ?? []));
      consumer.on(consumer.events.REBALANCING, () => this.onRebalancing(index));
      return { index, quill, consumer };
    });
  }

  /** Connections and the subscription: not part of the timed join. */
  async connect(): Promise<void> {
    await Promise.all(this.members.map((m) => m.consumer.connect()));
    await Promise.all(this.members.map((m) => m.consumer.subscribe({ topics: [this.topic] })));
  }

  /** run() on every member at once (each resolves once its loop started; the join goes on behind). */
  async start(): Promise<void> {
    await Promise.all(this.members.map((m) => m.consumer.run({ eachMessage: async () => undefined })));
  }

  /** Resolves when `members` have settled on a generation newer than `afterGeneration` (see settledGeneration). */
  settled(members: readonly number[], afterGeneration: number): Promise<{ generationId: number; atMs: number }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new QuillError('REQUEST_TIMED_OUT', `group ${this.groupId} did not settle on a generation covering every partition within ${SETTLE_DEADLINE_MS} ms`));
      }, SETTLE_DEADLINE_MS);
      const waiter: Waiter = {
        members,
        afterGeneration,
        resolve: (settled) => {
          clearTimeout(timer);
          resolve(settled);
        },
      };
      this.waiters.add(waiter);
      this.check(performance.now());
    });
  }

  markRebalancingSince(atMs: number): void {
    this.rebalancingSinceMs = atMs;
    this.firstRebalancingAtMs.clear();
  }

  /** When the last of `members` started rejoining since the mark (NaN if one never did). */
  lastRebalancingAtMs(members: readonly number[]): number {
    return Math.max(...members.map((m) => this.firstRebalancingAtMs.get(m) ?? Number.NaN));
  }

  async stop(): Promise<void> {
    await Promise.all(this.members.map((m) => m.consumer.disconnect().catch(() => undefined)));
  }

  private onJoin(index: number, generationId: number, partitions: readonly number[]): void {
    this.latest.set(index, { generationId, partitions });
    this.check(performance.now());
  }

  private onRebalancing(index: number): void {
    const now = performance.now();
    if (now >= this.rebalancingSinceMs && !this.firstRebalancingAtMs.has(index)) this.firstRebalancingAtMs.set(index, now);
  }

  private check(atMs: number): void {
    for (const waiter of [...this.waiters]) {
      const generationId = settledGeneration(this.latest, waiter.members, this.partitionCount, waiter.afterGeneration);
      if (generationId === undefined) continue;
      this.waiters.delete(waiter);
      waiter.resolve({ generationId, atMs });
    }
  }
}

function summarize(values: readonly number[]): DurationSummary {
  return { p50: percentile(values, 50), p99: percentile(values, 99), max: values.length === 0 ? Number.NaN : Math.max(...values) };
}
