import fs from 'node:fs';
import path from 'node:path';
import type { Admin } from '@quill/client';
import { ControllerClient } from '@quill/metadata';
import { errorMessage, type DescribeQuorumResponse__Output } from '@quill/proto';
import { FSYNC_FAULT_FILE } from '@quill/storage';
import type { ProcessCluster } from '../process-cluster.js';
import type { History } from './history.js';
import type { PlannedFault } from './nemesis-plan.js';
import { planPowerLoss } from './power-loss.js';
import type { TopicChurn } from './topic-churn.js';

export interface NemesisOptions {
  /** The checked topics, whose partition leaders targeted faults aim at. */
  topics: readonly string[];
  partitions: number;
  /** The topic-churn side workload (needed by `topic-churn`). */
  churn?: TopicChurn;
  /**
   * Per broker, the directory its process watches for QUILL_TEST_FSYNC_FAULTS (needed by
   * `fsync-fail`: while `<dir>/fail-fsync` exists, its fsyncs fail with EIO).
   */
  fsyncFaultDirs?: ReadonlyMap<number, string>;
  /** One-way delay `isr-churn` puts on a leader–follower link: above replica.lag.time.max.ms, so the follower drops out. */
  isrChurnDelayMs: number;
  /** How long a node restarted by `rolling-restart` or `leader-move` has to be back before the nemesis moves on. */
  restartTimeoutMs: number;
  /** SIGTERM grace: a controlled shutdown still running after this is ended with SIGKILL. */
  shutdownGraceMs: number;
  /** Keeps a node's output before it is restarted (a restart starts a fresh output buffer). */
  saveLogs?: (name: string, text: string) => void;
  /** How long target lookups (leaders, the active controller) may take. */
  lookupTimeoutMs?: number;
}

/** A fault as it was injected: what, on which nodes, when (ms of history time). */
export interface InjectedFault {
  kind: PlannedFault['kind'];
  variant?: string;
  targets: number[];
  detail: string;
  startAt: number;
  endAt: number;
}

const DEFAULT_LOOKUP_TIMEOUT_MS = 3_000;
/** How often a restarted node is asked whether it is back. */
const BACK_POLL_MS = 500;

interface FaultEffect {
  targets: number[];
  detail: string;
  undo: () => Promise<void>;
  /** How the fault went, when it is chosen at run time (e.g. `leader-move`'s). */
  variant?: string;
}
/** One DescribeQuorum attempt: a paused controller must not hold the lookup long. */
const LOOKUP_ATTEMPT_TIMEOUT_MS = 1_000;

/**
 * Runs a fault plan against a proxied process cluster: kills (SIGKILL) and restarts, pauses
 * (SIGSTOP/SIGCONT), network partitions, faults aimed at the active controller, power loss, and
 * membership and leadership changes (rolling restarts, leader moves, a slowed follower link, a
 * topic deleted and re-created, failing fsyncs). Faults run one at a time; `healAll` undoes
 * whatever is still in effect.
 */
export class Nemesis {
  readonly injected: InjectedFault[] = [];
  private readonly killed = new Set<number>();
  private readonly paused = new Set<number>();
  private readonly failingFsync = new Set<number>();
  private stopped = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly cluster: ProcessCluster,
    private readonly history: History,
    private readonly options: NemesisOptions,
  ) {}

  /**
   * Runs the plan (times relative to the history's start); returns early once `stop()` is called.
   * A fault that overruns its window (a rolling restart waits for every node) pushes the rest of
   * the plan back by as much, so the quiet time between faults stays.
   */
  async run(plan: readonly PlannedFault[]): Promise<void> {
    let overrun = 0;
    for (const fault of plan) {
      await this.sleepUntil(fault.startAt + overrun);
      if (this.stopped) return;
      const undo = await this.inject(fault);
      overrun = Math.max(overrun, this.history.now() - fault.endAt);
      await this.sleepUntil(fault.endAt + overrun);
      await undo();
      overrun = Math.max(overrun, this.history.now() - fault.endAt);
      this.history.add({ type: 'nemesis', fault: fault.kind, phase: 'end', detail: '' });
      this.injected[this.injected.length - 1]!.endAt = this.history.now();
      if (this.stopped) return;
    }
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  /**
   * Heals the network and the disks, resumes paused nodes and restarts killed ones, and any node
   * that exited by itself (returned, so the run can report it: a node should outlive its faults).
   */
  async healAll(): Promise<number[]> {
    this.cluster.heal();
    for (const id of this.failingFsync) await this.endFsyncFailure(id);
    for (const id of this.paused) this.cluster.node(id).process.resume();
    this.paused.clear();
    const exited = [...this.cluster.nodes.keys()].filter((id) => !this.killed.has(id) && !this.cluster.node(id).process.running).sort((a, b) => a - b);
    for (const id of [...this.killed, ...exited]) this.restart(id);
    this.killed.clear();
    return exited;
  }

  private async inject(fault: PlannedFault): Promise<() => Promise<void>> {
    const began = this.history.now();
    const nodes = [...this.cluster.nodes.keys()].sort((a, b) => a - b);
    let targets: number[];
    let detail: string;
    let undo: () => Promise<void>;
    let chosenVariant: string | undefined;
    switch (fault.kind) {
      case 'kill': {
        const id = pickOne(nodes, fault.pick);
        ({ targets, detail, undo } = await this.kill(id));
        break;
      }
      case 'pause': {
        const id = pickOne(nodes, fault.pick);
        ({ targets, detail, undo } = this.pause(id));
        break;
      }
      case 'partition': {
        if (fault.variant === 'halves') {
          const shuffled = shuffle(nodes, fault.pick);
          const cut = 1 + Math.floor(fault.pick * 997) % (nodes.length - 1);
          const [a, b] = [shuffled.slice(0, cut).sort((x, y) => x - y), shuffled.slice(cut).sort((x, y) => x - y)];
          this.cluster.partition(a, b);
          targets = a;
          detail = `partition ${a.join(',')} | ${b.join(',')}`;
        } else {
          const { leader, name } = await this.leaderFor(fault.pick);
          this.cluster.isolate(leader);
          targets = [leader];
          detail = `isolate ${leader} (leader of ${name})`;
        }
        undo = async () => this.cluster.heal();
        break;
      }
      case 'controller': {
        const active = (await this.activeController()) ?? pickOne(this.controllers(), fault.pick);
        if (fault.variant === 'kill') ({ targets, detail, undo } = await this.kill(active));
        else if (fault.variant === 'pause') ({ targets, detail, undo } = this.pause(active));
        else {
          this.cluster.isolate(active);
          targets = [active];
          detail = `isolate ${active}`;
          undo = async () => this.cluster.heal();
        }
        detail += ' (active controller)';
        break;
      }
      case 'rolling-restart':
        ({ targets, detail, undo } = await this.rollingRestart());
        break;
      case 'leader-move':
        ({ targets, detail, undo, variant: chosenVariant } = await this.moveLeader(fault.pick));
        break;
      case 'isr-churn':
        ({ targets, detail, undo } = await this.slowFollower(fault.pick));
        break;
      case 'topic-churn':
        ({ targets, detail, undo } = await this.churnTopic());
        break;
      case 'fsync-fail':
        ({ targets, detail, undo } = await this.failFsync(fault.pick));
        break;
      case 'power-loss':
        ({ targets, detail, undo } = await this.powerLoss(fault, nodes));
        break;
    }
    const variant = 'variant' in fault ? fault.variant : chosenVariant;
    this.history.add({ type: 'nemesis', fault: fault.kind, phase: 'start', detail });
    this.injected.push({ kind: fault.kind, ...(variant === undefined ? {} : { variant }), targets, detail, startAt: began, endAt: -1 });
    return undo;
  }

  /**
   * Every broker, then every controller, in turn: SIGTERM (a broker's controlled shutdown moves
   * its leaderships away first), start again on its data, and wait until it is back (a broker
   * unfenced and in the ISR of its partitions again, a controller caught up with the quorum)
   * before the next, as an operator rolls a cluster. Stops between nodes once the run ends.
   */
  private async rollingRestart(): Promise<FaultEffect> {
    const order = [...this.brokers(), ...this.controllers().filter((id) => !this.brokers().includes(id))];
    const restarted: number[] = [];
    const late: number[] = [];
    for (const id of order) {
      if (this.stopped) break;
      await this.gracefulRestart(id);
      restarted.push(id);
      if (!(await this.waitUntilBack(id))) late.push(id);
    }
    const lateNote = late.length === 0 ? '' : `; not back within ${this.options.restartTimeoutMs} ms: ${late.join(',')}`;
    return { targets: restarted, detail: `rolling restart (SIGTERM) of ${restarted.join(',')}${lateNote}`, undo: async () => undefined };
  }

  /**
   * Moves one leadership (variant `preferred`): a preferred-leader election for a checked
   * partition, chosen by `pick`, whose leader is not its preferred replica while that replica is
   * in the ISR. When there is none (every leader is the preferred one already), variant
   * `shutdown`: the leader's broker's controlled shutdown (SIGTERM) hands each partition it leads
   * to another ISR member, then it starts again at once and rejoins as a follower.
   */
  private async moveLeader(pick: number): Promise<FaultEffect> {
    const candidates = await this.preferredElectionCandidates();
    if (candidates.length > 0) {
      const { topic, partition, leader, preferred } = pickOne(candidates, pick);
      const outcome = await this.electPreferred(topic, partition);
      return {
        targets: [leader, preferred],
        variant: 'preferred',
        detail: `preferred: election of ${topic}-${partition} (leader ${leader}, preferred replica ${preferred}): ${outcome}`,
        undo: async () => undefined,
      };
    }
    const { leader, name } = await this.leaderFor(pick);
    await this.gracefulRestart(leader);
    return {
      targets: [leader],
      variant: 'shutdown',
      detail: `shutdown: controlled shutdown of ${leader} (leader of ${name}) and restart; no checked leadership to give back to its preferred replica`,
      undo: async () => undefined,
    };
  }

  /** Checked partitions whose preferred replica (the first) is in the ISR but does not lead, as a broker's metadata says. */
  private async preferredElectionCandidates(): Promise<Array<{ topic: string; partition: number; leader: number; preferred: number }>> {
    const admin = this.lookupAdmin();
    try {
      await admin.connect();
      const { topics } = await admin.fetchTopicMetadata({ topics: [...this.options.topics] });
      return topics.flatMap((t) =>
        t.partitions
          .filter((p) => p.partitionId < this.options.partitions && p.leader > 0 && p.replicas[0] !== undefined && p.leader !== p.replicas[0] && p.isr.includes(p.replicas[0]))
          .map((p) => ({ topic: t.name, partition: p.partitionId, leader: p.leader, preferred: p.replicas[0]! })),
      );
    } catch {
      // No answer during another node's trouble: fall back to a controlled shutdown.
      return [];
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** Runs a preferred election of one partition; says how it went (elected, or the code it got). */
  private async electPreferred(topic: string, partition: number): Promise<string> {
    const admin = this.lookupAdmin();
    try {
      await admin.connect();
      const [result] = await admin.electLeaders({ type: 'preferred', partitions: [{ topic, partition }], timeout: this.options.lookupTimeoutMs ?? DEFAULT_LOOKUP_TIMEOUT_MS });
      if (result === undefined) return 'no answer for the partition';
      return result.errorCode === 'NONE' ? 'elected' : `not elected, ${result.errorCode}`;
    } catch (error) {
      return `failed, ${errorMessage(error)}`;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** An admin client for the nemesis's own look-ups: one retry, a short deadline. */
  private lookupAdmin(): Admin {
    return this.cluster.client({ retry: { retries: 1 }, requestTimeoutMs: this.options.lookupTimeoutMs ?? DEFAULT_LOOKUP_TIMEOUT_MS }).admin();
  }

  /** Slows the link between a partition's leader and one follower until the follower drops out of the ISR; healed at the end, it rejoins. */
  private async slowFollower(pick: number): Promise<FaultEffect> {
    const { leader, name, replicas } = await this.leaderFor(pick);
    const followers = replicas.filter((id) => id !== leader);
    // A second seeded choice from the same number: which follower.
    const follower = pickOne(followers.length > 0 ? followers : this.brokers().filter((id) => id !== leader), (pick * 7919) % 1);
    const network = this.cluster.network;
    network.delay(this.cluster.nameOf(leader), this.cluster.nameOf(follower), this.options.isrChurnDelayMs);
    return {
      targets: [leader, follower],
      detail: `link ${leader}<->${follower} delayed ${this.options.isrChurnDelayMs} ms each way (leader and follower of ${name})`,
      undo: async () => {
        // Whether the fault did what it is for, in the report: a fault that never moved the ISR tests little.
        const isr = await this.isrOf(name);
        const last = this.injected.at(-1);
        if (last !== undefined) last.detail += isr === undefined ? '; ISR unknown at the end' : `; ISR at the end [${isr.join(',')}]`;
        network.delay(this.cluster.nameOf(leader), this.cluster.nameOf(follower), 0);
      },
    };
  }

  private async churnTopic(): Promise<FaultEffect> {
    const churn = this.options.churn;
    if (churn === undefined) throw new Error('topic-churn needs the churn workload (NemesisOptions.churn)');
    const { incarnation, created } = await churn.recreate();
    return {
      targets: [],
      detail: created ? `topic deleted and re-created (incarnation ${incarnation})` : `topic delete and re-create did not complete (still incarnation ${incarnation})`,
      undo: async () => undefined,
    };
  }

  /** Makes every fsync of a partition leader's broker fail with EIO until the end of the fault. */
  private async failFsync(pick: number): Promise<FaultEffect> {
    const { leader, name } = await this.leaderFor(pick);
    const dir = this.fsyncFaultDir(leader);
    fs.writeFileSync(path.join(dir, FSYNC_FAULT_FILE), '');
    this.failingFsync.add(leader);
    return {
      targets: [leader],
      detail: `fsync fails (EIO) on ${leader} (leader of ${name}), then restart`,
      undo: async () => this.endFsyncFailure(leader),
    };
  }

  /** Disks heal, but a broker that saw a failed fsync has taken replicas offline: it restarts. */
  private async endFsyncFailure(id: number): Promise<void> {
    fs.rmSync(path.join(this.fsyncFaultDir(id), FSYNC_FAULT_FILE), { force: true });
    this.failingFsync.delete(id);
    await this.gracefulRestart(id);
  }

  private fsyncFaultDir(id: number): string {
    const dir = this.options.fsyncFaultDirs?.get(id);
    if (dir === undefined) throw new Error(`fsync-fail needs node ${id} started with QUILL_TEST_FSYNC_FAULTS`);
    return dir;
  }

  /** SIGTERM (SIGKILL after the grace), then start again on the same data. */
  private async gracefulRestart(id: number): Promise<void> {
    const process = this.cluster.node(id).process;
    if (this.paused.delete(id)) process.resume();
    await process.stop(this.options.shutdownGraceMs);
    this.killed.delete(id);
    this.restart(id);
  }

  /** Whether node `id` came back within the restart timeout (see {@link rollingRestart}). */
  private async waitUntilBack(id: number): Promise<boolean> {
    const deadline = Date.now() + this.options.restartTimeoutMs;
    const node = this.cluster.node(id);
    const since = Date.now();
    while (Date.now() < deadline && !this.stopped) {
      const back = node.roles.includes('broker') ? await this.brokerInSync(id) : await this.controllerCaughtUp(id, since);
      if (back) return true;
      await new Promise((resolve) => setTimeout(resolve, BACK_POLL_MS));
    }
    return false;
  }

  /** The broker is registered, unfenced and in the ISR of every checked partition it replicates. */
  private async brokerInSync(id: number): Promise<boolean> {
    const admin = this.cluster.client({ retry: { retries: 0 }, requestTimeoutMs: this.options.lookupTimeoutMs ?? DEFAULT_LOOKUP_TIMEOUT_MS }).admin();
    try {
      await admin.connect();
      if (!(await admin.describeCluster()).brokers.some((b) => b.nodeId === id)) return false;
      const { topics } = await admin.fetchTopicMetadata({ topics: [...this.options.topics] });
      return topics.every((t) => t.partitions.every((p) => !p.replicas.includes(id) || p.isr.includes(id)));
    } catch {
      return false;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** The active controller sees voter `id` fetching again since `since` and fully caught up. */
  private async controllerCaughtUp(id: number, since: number): Promise<boolean> {
    const quorum = await this.describeQuorum();
    const voter = quorum?.voters.find((v) => v.replicaId === id);
    return voter !== undefined && quorum!.leaderId > 0 && (quorum!.leaderId === id || (Number(voter.lastFetchTimestampMs) >= since && Number(voter.lag) === 0));
  }

  private async kill(id: number): Promise<{ targets: number[]; detail: string; undo: () => Promise<void> }> {
    await this.cluster.node(id).process.kill();
    this.killed.add(id);
    return {
      targets: [id],
      detail: `kill -9 ${id}`,
      undo: async () => {
        this.killed.delete(id);
        this.restart(id);
      },
    };
  }

  private pause(id: number): { targets: number[]; detail: string; undo: () => Promise<void> } {
    this.cluster.node(id).process.pause();
    this.paused.add(id);
    return {
      targets: [id],
      detail: `SIGSTOP ${id}`,
      undo: async () => {
        this.paused.delete(id);
        this.cluster.node(id).process.resume();
      },
    };
  }

  /**
   * The shape's nodes lose power (all at once, one, or a subset a few hundred ms apart): each is
   * SIGKILLed and its disk keeps only what it had fsynced (a cluster with `unsyncedDisks`). They
   * start again on that data when the fault ends, and the fault lasts until they are back.
   */
  private async powerLoss(fault: Extract<PlannedFault, { kind: 'power-loss' }>, nodes: readonly number[]): Promise<FaultEffect> {
    const cuts = planPowerLoss(fault.variant, nodes, fault.pick);
    const start = Date.now();
    const total = { filesRolledBack: 0, bytesDropped: 0, entriesUndone: 0 };
    for (const cut of cuts) {
      const wait = start + cut.atMs - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const summary = await this.cluster.cutPower(cut.id);
      this.paused.delete(cut.id);
      this.killed.add(cut.id);
      total.filesRolledBack += summary.filesRolledBack;
      total.bytesDropped += summary.bytesDropped;
      total.entriesUndone += summary.entriesUndone;
    }
    const ids = cuts.map((c) => c.id);
    const when = fault.variant === 'staggered' ? ` at +${cuts.map((c) => c.atMs).join(', +')} ms` : '';
    return {
      targets: ids,
      detail: `power loss (${fault.variant}) of ${ids.join(',')}${when}: ${total.filesRolledBack} files rolled back, ${total.bytesDropped} unsynced bytes dropped, ${total.entriesUndone} directory entries undone`,
      // Back on their data, and waited for (as a rolling restart waits), so the next fault hits a
      // cluster that is serving again rather than one still starting.
      undo: async () => {
        for (const id of ids) {
          this.killed.delete(id);
          this.restart(id);
        }
        for (const id of ids) await this.waitUntilBack(id);
      },
    };
  }

  private restart(id: number): void {
    const process = this.cluster.node(id).process;
    if (process.running) return;
    this.options.saveLogs?.(process.name, process.logs);
    process.start();
  }

  private brokers(): number[] {
    return [...this.cluster.nodes.values()].filter((n) => n.roles.includes('broker')).map((n) => n.id).sort((a, b) => a - b);
  }

  private controllers(): number[] {
    return [...this.cluster.nodes.values()].filter((n) => n.controllerAddress !== undefined).map((n) => n.id).sort((a, b) => a - b);
  }

  /**
   * A checked partition chosen by `pick`, its leader (a random broker when there is none or the
   * lookup fails) and its replicas, as a broker's metadata says (a stale broker may name an old one).
   */
  private async leaderFor(pick: number): Promise<{ leader: number; name: string; replicas: number[] }> {
    const slots = this.options.topics.length * this.options.partitions;
    const slot = Math.min(slots - 1, Math.floor(pick * slots));
    const topic = this.options.topics[Math.floor(slot / this.options.partitions)]!;
    const partition = slot % this.options.partitions;
    const name = `${topic}-${partition}`;
    const admin = this.lookupAdmin();
    try {
      await admin.connect();
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      const found = metadata.topics[0]?.partitions.find((p) => p.partitionId === partition);
      if (found !== undefined && found.leader > 0) return { leader: found.leader, name, replicas: found.replicas };
    } catch {
      // No answer during another node's trouble: aim at a random broker instead.
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    return { leader: pickOne(this.brokers(), pick), name, replicas: this.brokers() };
  }

  /** The ISR of `<topic>-<partition>` as a broker's metadata says, if one answers. */
  private async isrOf(name: string): Promise<number[] | undefined> {
    const cut = name.lastIndexOf('-');
    const [topic, partition] = [name.slice(0, cut), Number(name.slice(cut + 1))];
    const admin = this.lookupAdmin();
    try {
      await admin.connect();
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      return metadata.topics[0]?.partitions.find((p) => p.partitionId === partition)?.isr;
    } catch {
      return undefined;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** The active controller, asked directly (not through the proxies, which may be faulted). */
  private async activeController(): Promise<number | undefined> {
    const quorum = await this.describeQuorum();
    return quorum !== undefined && quorum.leaderId > 0 ? quorum.leaderId : undefined;
  }

  /** The quorum as the active controller describes it, asked directly (not through the proxies). */
  private async describeQuorum(): Promise<DescribeQuorumResponse__Output | undefined> {
    const addresses = [...this.cluster.nodes.values()].flatMap((n) => (n.controllerAddress === undefined || !n.process.running ? [] : [n.controllerAddress]));
    if (addresses.length === 0) return undefined;
    const credentials = this.cluster.controllerCredentials;
    const client = new ControllerClient({
      controllers: addresses,
      timeoutMs: this.options.lookupTimeoutMs ?? DEFAULT_LOOKUP_TIMEOUT_MS,
      attemptTimeoutMs: LOOKUP_ATTEMPT_TIMEOUT_MS,
      ...(credentials === undefined ? {} : { credentials }),
    });
    try {
      return await client.call<DescribeQuorumResponse__Output>('DescribeQuorum', {});
    } catch {
      return undefined;
    } finally {
      client.close();
    }
  }

  private async sleepUntil(time: number): Promise<void> {
    const wait = time - this.history.now();
    if (wait <= 0 || this.stopped) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, wait);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = undefined;
  }
}

function pickOne<T>(items: readonly T[], pick: number): T {
  return items[Math.min(items.length - 1, Math.floor(pick * items.length))]!;
}

/** A deterministic shuffle driven by one number (Fisher–Yates over a small LCG seeded by it). */
function shuffle<T>(items: readonly T[], pick: number): T[] {
  const out = [...items];
  let state = Math.floor(pick * 2 ** 31) >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
