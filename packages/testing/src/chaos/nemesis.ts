import { ControllerClient } from '@quill/controller';
import type { DescribeQuorumResponse__Output } from '@quill/proto';
import type { ProcessCluster } from '../process-cluster.js';
import type { History } from './history.js';
import type { PlannedFault } from './nemesis-plan.js';
import { rollBackUnsyncedWrites } from './power-loss.js';

export interface NemesisOptions {
  topic: string;
  partitions: number;
  /** Set when nodes record their fsyncs (QUILL_TEST_FSYNC_LEDGER): power loss needs it. */
  fsyncLedgerDir?: string;
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
/** One DescribeQuorum attempt: a paused controller must not hold the lookup long. */
const LOOKUP_ATTEMPT_TIMEOUT_MS = 1_000;

/**
 * Runs a fault plan against a proxied process cluster: kills (SIGKILL) and restarts, pauses
 * (SIGSTOP/SIGCONT), network partitions, faults aimed at the active controller, and power loss.
 * Faults run one at a time; `healAll` undoes whatever is still in effect.
 */
export class Nemesis {
  readonly injected: InjectedFault[] = [];
  private readonly killed = new Set<number>();
  private readonly paused = new Set<number>();
  private stopped = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly cluster: ProcessCluster,
    private readonly history: History,
    private readonly options: NemesisOptions,
  ) {}

  /** Runs the plan (times relative to the history's start); returns early once `stop()` is called. */
  async run(plan: readonly PlannedFault[]): Promise<void> {
    for (const fault of plan) {
      await this.sleepUntil(fault.startAt);
      if (this.stopped) return;
      const undo = await this.inject(fault);
      await this.sleepUntil(fault.endAt);
      await undo();
      this.history.add({ type: 'nemesis', fault: fault.kind, phase: 'end', detail: '' });
      this.injected[this.injected.length - 1]!.endAt = this.history.now();
      if (this.stopped) return;
    }
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  /** Heals the network, resumes paused nodes and restarts killed ones. */
  async healAll(): Promise<void> {
    this.cluster.heal();
    for (const id of this.paused) this.cluster.node(id).process.resume();
    this.paused.clear();
    for (const id of this.killed) this.restart(id);
    this.killed.clear();
  }

  private async inject(fault: PlannedFault): Promise<() => Promise<void>> {
    const nodes = [...this.cluster.nodes.keys()].sort((a, b) => a - b);
    let targets: number[];
    let detail: string;
    let undo: () => Promise<void>;
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
          const partition = Math.floor(fault.pick * this.options.partitions);
          const leader = (await this.leaderOf(partition)) ?? pickOne(this.brokers(), fault.pick);
          this.cluster.isolate(leader);
          targets = [leader];
          detail = `isolate ${leader} (leader of ${this.options.topic}-${partition})`;
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
      case 'power-loss': {
        ({ targets, detail } = await this.powerLoss(nodes));
        undo = async () => undefined;
        break;
      }
    }
    const variant = 'variant' in fault ? fault.variant : undefined;
    this.history.add({ type: 'nemesis', fault: fault.kind, phase: 'start', detail });
    this.injected.push({ kind: fault.kind, ...(variant === undefined ? {} : { variant }), targets, detail, startAt: this.history.now(), endAt: -1 });
    return undo;
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

  /** Every node dies at once; unsynced bytes are dropped; every node starts again. */
  private async powerLoss(nodes: readonly number[]): Promise<{ targets: number[]; detail: string }> {
    const ledger = this.options.fsyncLedgerDir;
    if (ledger === undefined) throw new Error('power loss needs nodes started with QUILL_TEST_FSYNC_LEDGER');
    await Promise.all(nodes.map((id) => this.cluster.node(id).process.kill()));
    const dataDirs = nodes.filter((id) => this.cluster.node(id).roles.includes('broker')).map((id) => this.cluster.node(id).dataDir);
    const summary = rollBackUnsyncedWrites(ledger, dataDirs);
    for (const id of nodes) this.restart(id);
    this.paused.clear();
    this.killed.clear();
    return { targets: [...nodes], detail: `power loss: ${summary.filesTruncated} files lost ${summary.bytesDropped} unsynced bytes` };
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

  /** The partition's leader as a broker's metadata says (a stale broker may name an old one). */
  private async leaderOf(partition: number): Promise<number | undefined> {
    const admin = this.cluster.client({ retry: { retries: 1 }, requestTimeoutMs: this.options.lookupTimeoutMs ?? DEFAULT_LOOKUP_TIMEOUT_MS }).admin();
    try {
      await admin.connect();
      const metadata = await admin.fetchTopicMetadata({ topics: [this.options.topic] });
      const leader = metadata.topics[0]?.partitions.find((p) => p.partitionId === partition)?.leader;
      return leader !== undefined && leader > 0 ? leader : undefined;
    } catch {
      return undefined;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** The active controller, asked directly (not through the proxies, which may be faulted). */
  private async activeController(): Promise<number | undefined> {
    const addresses = [...this.cluster.nodes.values()].flatMap((n) => (n.controllerAddress === undefined || !n.process.running ? [] : [n.controllerAddress]));
    if (addresses.length === 0) return undefined;
    const client = new ControllerClient({ controllers: addresses, timeoutMs: this.options.lookupTimeoutMs ?? DEFAULT_LOOKUP_TIMEOUT_MS, attemptTimeoutMs: LOOKUP_ATTEMPT_TIMEOUT_MS });
    try {
      const quorum = await client.call<DescribeQuorumResponse__Output>('DescribeQuorum', {});
      return quorum.leaderId > 0 ? quorum.leaderId : undefined;
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
