/**
 * A deterministic simulation of a Raft cluster (after TigerBeetle's VOPR): one seed
 * decides the cluster, the faults and every random choice. A fault phase runs the
 * nodes through message loss, duplication, delay and reordering, partitions, crashes
 * that lose unsynced writes, restarts from disk, compactions and leadership transfers,
 * checking Raft's safety properties after every event. A liveness phase then heals the
 * network, restarts every node and requires new proposals to commit everywhere within
 * LIVENESS_TICKS_MAX ticks. Disks are MemoryStorage unless a storage factory gives real
 * ones (a durable store then runs under the same schedules, restarting from what it wrote).
 */
import type { RaftConfig } from '../core/config.js';
import { RaftInvariantError } from '../core/errors.js';
import type { Message } from '../core/messages.js';
import type { Random } from '@quill/random';
import type { Ready } from '../core/ready.js';
import type { Entry, NodeId } from '../core/types.js';
import { EventQueue } from './event-queue.js';
import { describeEvent, eventCode, type SimEvent } from './events.js';
import { RELIABLE_NETWORK, SimNetwork, type NetworkStats } from './network.js';
import { deriveProfile, pickChaosAction, TICK_JITTER_UNITS, TICK_UNITS, type SimulationProfile } from './profile.js';
import { SafetyChecker, SafetyViolation } from './safety-checker.js';
import { SimNode } from './sim-node.js';
import { memoryStorageFactory, type SimStorageFactory } from './sim-storage.js';
import { chainHash, decodeProposal, decodeSnapshotData, encodeProposal, encodeSnapshotData } from './state-machine.js';

/** Events in the fault phase when `steps` is not given. */
export const STEPS_DEFAULT = 3000;
/** The liveness phase must finish within this many ticks after healing. */
export const LIVENESS_TICKS_MAX = 300;
/** Proposals the liveness phase requires to commit on every node. */
export const LIVENESS_PROPOSALS = 3;
/**
 * A node snapshots once its log holds more applied entries than this, as an
 * application would (etcd's snapshot count): far-behind followers then catch up by
 * snapshot rather than entry by entry. Random compactions come on top.
 */
const APPLIED_ENTRIES_KEPT_MAX = 100;
/** Readies one event may complete in a row (each completion can produce another). */
const READY_ROUNDS_MAX = 64;
/** Proposal ids of the liveness phase start here, far above the fault phase's. */
const LIVENESS_PROPOSAL_ID_BASE = 0x4000_0000;

export type Sabotage =
  /** Send a Ready's messages before its writes are durable: breaks Raft, to show the checkers catch it. */
  'send-before-persist';

export interface SimulationOptions {
  readonly seed: number;
  /** Events in the fault phase. */
  readonly steps?: number;
  /** Voters (the seed chooses 3 or 5 when absent). */
  readonly voters?: number;
  /** Observers (the seed chooses 0..2 when absent). */
  readonly observers?: number;
  readonly sabotage?: Sabotage;
  /** Opens the nodes' disks (memory when absent); the run awaits every write. */
  readonly storage?: SimStorageFactory;
  /** Receives one line per event, for debugging a seed. */
  readonly trace?: (line: string) => void;
}

export interface SimulationReport {
  readonly seed: number;
  readonly voters: number;
  readonly observers: number;
  /** Events processed, both phases. */
  readonly events: number;
  /** Virtual time at the end, in ticks. */
  readonly ticks: number;
  /** Ticks the liveness phase took. */
  readonly livenessTicks: number;
  readonly leaderTerms: number;
  readonly committedIndex: number;
  readonly proposalsAccepted: number;
  readonly proposalsRefused: number;
  readonly crashes: number;
  readonly partitions: number;
  readonly compactions: number;
  readonly snapshotsSent: number;
  readonly transfers: number;
  readonly messages: Readonly<NetworkStats>;
  /** A hash of the event sequence: equal fingerprints mean identical runs. */
  readonly fingerprint: number;
}

export class SimulationFailure extends Error {
  override readonly name = 'SimulationFailure';
  constructor(
    readonly seed: number,
    readonly reproduction: string,
    readonly event: number,
    override readonly cause: unknown,
  ) {
    super(`seed ${seed} failed at event ${event}: ${cause instanceof Error ? cause.message : String(cause)}\n  reproduce: ${reproduction}`);
  }
}

export class LivenessFailure extends Error {
  override readonly name = 'LivenessFailure';
}

export function runSimulation(options: SimulationOptions): Promise<SimulationReport> {
  return new Simulation(options).run();
}

export function reproductionCommand(options: SimulationOptions, profile: SimulationProfile): string {
  const steps = options.steps ?? STEPS_DEFAULT;
  const sabotage = options.sabotage === undefined ? '' : ` --sabotage ${options.sabotage}`;
  if (options.storage !== undefined) {
    return `the same storage factory with seed ${options.seed}, steps ${steps}, voters ${profile.voters}, observers ${profile.observers}${sabotage} (pnpm sim runs memory storage)`;
  }
  return `pnpm sim --seed ${options.seed} --steps ${steps} --voters ${profile.voters} --observers ${profile.observers}${sabotage}`;
}

class Simulation {
  private readonly profile: SimulationProfile;
  private readonly random: Random;
  private readonly network: SimNetwork;
  private readonly checker = new SafetyChecker();
  private readonly queue = new EventQueue<SimEvent>();
  private readonly nodes: SimNode[] = [];
  private readonly storageFactory: SimStorageFactory;
  private readonly voterIds: NodeId[] = [];
  private readonly observerIds: NodeId[] = [];
  private phase: 'faults' | 'liveness' = 'faults';
  private now = 0;
  private events = 0;
  private fingerprint = 0;
  private nextProposalId = 1;
  /** Liveness proposals: id -> the index where it first committed (undefined until then). */
  private readonly livenessProposals = new Map<number, number | undefined>();
  /** Liveness proposals: id -> the (leader, term) it was last proposed to. */
  private readonly livenessProposedTo = new Map<number, string>();
  private readonly stats = {
    proposalsAccepted: 0,
    proposalsRefused: 0,
    crashes: 0,
    partitions: 0,
    compactions: 0,
    snapshotsSent: 0,
    transfers: 0,
  };

  constructor(private readonly options: SimulationOptions) {
    const { profile, random } = deriveProfile(options.seed, options);
    this.profile = profile;
    this.random = random;
    for (let id = 1; id <= profile.voters + profile.observers; id++) (id <= profile.voters ? this.voterIds : this.observerIds).push(id);
    for (const id of [...this.voterIds, ...this.observerIds]) this.nodes.push(new SimNode(id, id <= profile.voters));
    this.storageFactory = options.storage ?? memoryStorageFactory();
    this.network = new SimNetwork(random.fork(), profile.network, [...this.voterIds, ...this.observerIds]);
  }

  async run(): Promise<SimulationReport> {
    try {
      for (const node of this.nodes) await this.restart(node);
      this.queue.push(this.random.int(1, this.profile.chaosGapUnitsMax), { kind: 'chaos' });
      this.queue.push(this.random.int(1, this.profile.clientGapUnitsMax), { kind: 'client' });
      const steps = this.options.steps ?? STEPS_DEFAULT;
      while (this.events < steps) await this.processNextEvent();
      const livenessTicks = await this.runLivenessPhase();
      return this.report(livenessTicks);
    } catch (error) {
      throw new SimulationFailure(this.options.seed, reproductionCommand(this.options, this.profile), this.events, error);
    } finally {
      for (const node of this.nodes) await node.crash()?.close();
    }
  }

  private async runLivenessPhase(): Promise<number> {
    this.phase = 'liveness';
    this.network.heal();
    this.network.setFaults(RELIABLE_NETWORK);
    for (const node of this.nodes) {
      await node.crash()?.close();
      await this.restart(node);
    }
    for (let i = 0; i < LIVENESS_PROPOSALS; i++) this.livenessProposals.set(LIVENESS_PROPOSAL_ID_BASE + i, undefined);
    const start = this.now;
    const deadline = start + LIVENESS_TICKS_MAX * TICK_UNITS;
    while (!this.livenessReached()) {
      if ((this.queue.peekTime() ?? Infinity) > deadline) {
        throw new LivenessFailure(`no convergence within ${LIVENESS_TICKS_MAX} ticks after healing: ${this.describeCluster()}`);
      }
      await this.processNextEvent();
    }
    return Math.ceil((this.now - start) / TICK_UNITS);
  }

  /** Every liveness proposal committed, and every node applied past all of them. */
  private livenessReached(): boolean {
    let highest = 0;
    for (const index of this.livenessProposals.values()) {
      if (index === undefined) return false;
      highest = Math.max(highest, index);
    }
    return this.nodes.every((node) => node.image.index >= highest);
  }

  // ---------------------------------------------------------------- the event loop

  private processNextEvent(): Promise<void> {
    const time = this.queue.peekTime();
    const event = this.queue.pop();
    if (time === undefined || event === undefined) throw new RaftInvariantError('simulation ran out of events');
    this.now = time;
    this.events++;
    this.fingerprint = Math.imul(this.fingerprint ^ time, 0x01000193) ^ eventCode(event);
    if (this.options.trace !== undefined) this.options.trace(`${(time / TICK_UNITS).toFixed(1)} ${describeEvent(event)}`);
    switch (event.kind) {
      case 'tick':
        return this.onTick(event.node, event.incarnation);
      case 'fsync':
        return this.onFsync(event.node, event.incarnation);
      case 'restart':
        return event.incarnation === event.node.incarnation ? this.restart(event.node) : Promise.resolve();
      case 'deliver':
        return this.onDeliver(event.message);
      case 'chaos':
        return this.onChaos();
      case 'client':
        return this.onClient();
    }
  }

  private async onTick(node: SimNode, incarnation: number): Promise<void> {
    if (node.raft === undefined || incarnation !== node.incarnation) return;
    node.raft.tick();
    await this.settle(node);
    this.scheduleTick(node);
  }

  private async onDeliver(message: Message): Promise<void> {
    const node = this.node(message.to);
    if (node.raft === undefined) {
      this.network.stats.dropped++;
      return;
    }
    if (!this.network.canDeliver(message.from, message.to)) return;
    const result = node.raft.step(message);
    if (!result.ok) throw new RaftInvariantError(`node ${node.id} refused a message: ${result.detail}`);
    await this.settle(node);
  }

  private async onFsync(node: SimNode, incarnation: number): Promise<void> {
    const ready = node.pendingReady;
    if (incarnation !== node.incarnation || ready === undefined) return;
    node.pendingReady = undefined;
    await this.complete(node, ready, this.options.sabotage === 'send-before-persist');
    await this.settle(node);
  }

  private scheduleTick(node: SimNode): void {
    const interval = this.random.int(TICK_UNITS - TICK_JITTER_UNITS, TICK_UNITS + TICK_JITTER_UNITS);
    this.queue.push(this.now + interval, { kind: 'tick', node, incarnation: node.incarnation });
  }

  // ---------------------------------------------------------------- Ready handling

  /** Checks the node's state, then carries out its Readies until one must wait for an fsync. */
  private async settle(node: SimNode): Promise<void> {
    this.observe(node);
    for (let round = 0; node.raft !== undefined && node.pendingReady === undefined; round++) {
      if (round >= READY_ROUNDS_MAX) throw new RaftInvariantError(`node ${node.id} keeps producing Readies`);
      const ready = node.raft.readyIfAny();
      if (ready === undefined) return;
      if (!ready.mustSync) {
        await this.complete(node, ready, false);
        continue;
      }
      if (this.options.sabotage === 'send-before-persist') this.send(node, ready.messages, false);
      node.pendingReady = ready;
      const fsyncDelay = this.random.int(1, this.profile.fsyncUnitsMax);
      this.queue.push(this.now + fsyncDelay, { kind: 'fsync', node, incarnation: node.incarnation });
    }
  }

  /** Persist, send, apply, advance: the Ready contract (see core/ready.ts). */
  private async complete(node: SimNode, ready: Ready, alreadySent: boolean): Promise<void> {
    const raft = node.raft;
    if (raft === undefined) throw new RaftInvariantError('completing a Ready of a node that is down');
    const storage = node.storage;
    await storage.persist(ready);
    this.checkPersistedEntries(node, ready.entries);
    if (!alreadySent) this.send(node, ready.messages, true);
    if (ready.snapshot !== undefined) this.installSnapshotImage(node, ready.snapshot.index, ready.snapshot.term, ready.snapshot.data);
    for (const entry of ready.committedEntries) this.apply(node, entry);
    raft.advance(ready);
    if (node.image.index - storage.snapshot().index > APPLIED_ENTRIES_KEPT_MAX) await this.compact(node);
    this.observe(node);
  }

  /** Log matching over entries just written (those past the snapshot), read back from the node's storage. */
  private checkPersistedEntries(node: SimNode, entries: readonly Entry[]): void {
    const first = entries.find((entry) => entry.index >= node.storage.firstIndex());
    if (first === undefined) return;
    const last = entries[entries.length - 1] as Entry;
    this.checker.observePersistedEntries(node.id, node.storage.term(first.index - 1), node.storage.entries(first.index, last.index + 1, Infinity));
  }

  private send(node: SimNode, messages: readonly Message[], checkDurable: boolean): void {
    const durable = { hardState: node.storage.initialState().hardState, lastIndex: node.storage.lastIndex() };
    for (const message of messages) {
      if (checkDurable) this.checker.checkMessageBacked(message, durable);
      if (message.type === 'InstallSnapshotRequest') this.stats.snapshotsSent++;
      for (const delay of this.network.transmit()) this.queue.push(this.now + delay, { kind: 'deliver', message });
    }
  }

  private apply(node: SimNode, entry: Entry): void {
    if (entry.index !== node.image.index + 1) {
      throw new SafetyViolation('StateMachineSafety', `node ${node.id} applies ${entry.index} after ${node.image.index}`);
    }
    node.image = { index: entry.index, hash: chainHash(node.image.hash, entry) };
    this.checker.observeApplied(node.id, entry.index, entry.term, node.image.hash);
    const proposalId = decodeProposal(entry);
    if (proposalId !== undefined && this.livenessProposals.has(proposalId) && this.livenessProposals.get(proposalId) === undefined) {
      this.livenessProposals.set(proposalId, entry.index);
    }
  }

  private installSnapshotImage(node: SimNode, index: number, term: number, data: Uint8Array): void {
    const image = decodeSnapshotData(data);
    if (image.index !== index) throw new RaftInvariantError(`snapshot at ${index} holds a state machine at ${image.index}`);
    this.checker.observeSnapshotInstalled(node.id, index, term, image.hash);
    node.image = image;
  }

  /** The safety checks that read a node's state: election safety, commits, leader completeness. */
  private observe(node: SimNode): void {
    const raft = node.raft;
    if (raft === undefined) return;
    if (raft.role === 'leader') {
      this.checker.observeLeader(node.id, raft.term);
      if (node.ledTerm !== raft.term) {
        node.ledTerm = raft.term;
        this.checker.checkLeaderCompleteness(node.id, raft.term, raft);
      }
    }
    const committedBefore = this.checker.committedIndex;
    this.checker.observeCommit(node.id, raft.term, raft.commitIndex, raft);
    if (this.checker.committedIndex === committedBefore) return;
    // New commits: every current leader of a later term must hold them already.
    for (const other of this.nodes) {
      if (other.raft?.role === 'leader') this.checker.checkLeaderCompleteness(other.id, other.raft.term, other.raft);
    }
  }

  // ---------------------------------------------------------------- faults and clients

  /** Boots a node on its disk as the writes left it, and checks log matching over the log it restarts from. */
  private async restart(node: SimNode): Promise<void> {
    const storage = await this.storageFactory.open(node.id, { voters: this.voterIds, observers: this.observerIds });
    const config: RaftConfig = {
      id: node.id,
      voters: this.voterIds,
      observers: this.observerIds,
      random: this.random.fork(),
      electionTick: this.profile.electionTick,
      heartbeatTick: this.profile.heartbeatTick,
      maxSizePerMsg: this.profile.maxSizePerMsg,
      maxInflightMsgs: this.profile.maxInflightMsgs,
      maxUncommittedEntriesSize: this.profile.maxUncommittedEntriesSize,
      checkQuorum: this.profile.checkQuorum,
      preVote: this.profile.preVote,
    };
    node.boot(config, storage);
    const snapshot = storage.snapshot();
    if (snapshot.index > 0) this.installSnapshotImage(node, snapshot.index, snapshot.term, snapshot.data);
    else node.image = { index: 0, hash: 0 };
    const firstIndex = storage.firstIndex();
    if (storage.lastIndex() >= firstIndex) {
      this.checker.observePersistedEntries(node.id, snapshot.term, storage.entries(firstIndex, storage.lastIndex() + 1, Infinity));
    }
    await this.settle(node);
    this.scheduleTick(node);
  }

  private async crash(node: SimNode): Promise<void> {
    await node.crash()?.close();
    this.stats.crashes++;
    const downUnits = this.random.int(TICK_UNITS, this.profile.downUnitsMax);
    this.queue.push(this.now + downUnits, { kind: 'restart', node, incarnation: node.incarnation });
  }

  private async onChaos(): Promise<void> {
    this.queue.push(this.now + this.random.int(1, this.profile.chaosGapUnitsMax), { kind: 'chaos' });
    const action = pickChaosAction(this.random, this.profile.chaosWeights);
    if (this.phase === 'liveness' && action !== 'compact') return;
    const upNodes = this.nodes.filter((node) => node.up);
    switch (action) {
      case 'crash': {
        if (upNodes.length === 0) return;
        // Leaders half the time: bugs hide around changes of leadership.
        const leader = this.leader();
        const victim = leader !== undefined && this.random.chance(0.5) ? leader : this.random.pick(upNodes);
        this.note(() => `crash ${victim.id}${victim.pendingReady === undefined ? '' : ' (losing an unsynced Ready)'}`);
        await this.crash(victim);
        return;
      }
      case 'partition': {
        const group = this.nodes.filter(() => this.random.chance(0.5)).map((node) => node.id);
        this.network.partition(group);
        this.stats.partitions++;
        this.note(() => `partition [${group.join(',')}] from the rest`);
        return;
      }
      case 'isolate-leader': {
        const leader = this.leader();
        if (leader !== undefined) {
          this.network.partition([leader.id]);
          this.stats.partitions++;
          this.note(() => `isolate leader ${leader.id}`);
        }
        return;
      }
      case 'one-way-cut': {
        const from = this.random.pick(this.nodes).id;
        const cut = this.nodes.filter((node) => node.id !== from && this.random.chance(0.5)).map((node) => node.id);
        for (const to of cut) this.network.cut(from, to);
        this.stats.partitions++;
        this.note(() => `cut ${from} -> [${cut.join(',')}]`);
        return;
      }
      case 'heal':
        this.network.heal();
        this.note(() => 'heal');
        return;
      case 'compact': {
        const node = upNodes.length > 0 ? this.random.pick(upNodes) : undefined;
        if (node !== undefined && node.image.index > node.storage.snapshot().index) await this.compact(node);
        return;
      }
      case 'transfer': {
        const leader = this.leader();
        if (leader?.raft === undefined) return;
        const to = this.random.pick(this.voterIds);
        const result = leader.raft.transferLeadership(to);
        if (result.ok) this.stats.transfers++;
        this.note(() => `transfer leadership ${leader.id} -> ${to}: ${result.ok ? 'started' : result.reason}`);
        await this.settle(leader);
        return;
      }
    }
  }

  /** Snapshots a node's state machine at its applied index and drops the log up to it. */
  private async compact(node: SimNode): Promise<void> {
    await node.storage.compact(node.image.index, encodeSnapshotData(node.image));
    this.stats.compactions++;
    this.note(() => `compact ${node.id} at ${node.image.index}`);
  }

  private async onClient(): Promise<void> {
    const gapUnitsMax = this.phase === 'liveness' ? TICK_UNITS : this.profile.clientGapUnitsMax;
    this.queue.push(this.now + this.random.int(1, gapUnitsMax), { kind: 'client' });
    if (this.phase === 'liveness') {
      await this.proposeLivenessEntries();
      return;
    }
    // Mostly at a leader, sometimes at any node (which refuses with a hint).
    const leader = this.leader();
    const upNodes = this.nodes.filter((node) => node.up);
    const target = leader !== undefined && this.random.chance(0.8) ? leader : upNodes.length > 0 ? this.random.pick(upNodes) : undefined;
    if (target?.raft === undefined) return;
    const result = target.raft.propose(encodeProposal(this.nextProposalId++));
    if (result.ok) this.stats.proposalsAccepted++;
    else this.stats.proposalsRefused++;
    this.note(() => `propose at ${target.id}: ${result.ok ? `(${result.index}, ${result.term})` : result.reason}`);
    await this.settle(target);
  }

  /** A client that retries each liveness proposal with every new leader until it commits. */
  private async proposeLivenessEntries(): Promise<void> {
    const leader = this.leader();
    if (leader?.raft === undefined) return;
    const leadership = `${leader.id}@${leader.raft.term}`;
    for (const [proposalId, committedAt] of this.livenessProposals) {
      if (committedAt !== undefined || this.livenessProposedTo.get(proposalId) === leadership) continue;
      if (leader.raft.propose(encodeProposal(proposalId)).ok) this.livenessProposedTo.set(proposalId, leadership);
    }
    await this.settle(leader);
  }

  /** The up node that believes it leads in the highest term, if any. */
  private leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const node of this.nodes) {
      if (node.raft?.role === 'leader' && (best?.raft === undefined || node.raft.term > best.raft.term)) best = node;
    }
    return best;
  }

  /** A trace line for what an event did (built only when tracing). */
  private note(describe: () => string): void {
    if (this.options.trace !== undefined) this.options.trace(`    ${describe()}`);
  }

  private node(id: NodeId): SimNode {
    const node = this.nodes[id - 1];
    if (node === undefined) throw new RaftInvariantError(`no node ${id}`);
    return node;
  }

  private describeCluster(): string {
    return this.nodes
      .map((node) => {
        const raft = node.raft;
        if (raft === undefined) return `${node.id}:down`;
        return `${node.id}:${raft.role}@${raft.term} commit ${raft.commitIndex} applied ${node.image.index} last ${raft.lastIndex}`;
      })
      .join(', ');
  }

  private report(livenessTicks: number): SimulationReport {
    return {
      seed: this.options.seed,
      voters: this.profile.voters,
      observers: this.profile.observers,
      events: this.events,
      ticks: Math.floor(this.now / TICK_UNITS),
      livenessTicks,
      leaderTerms: this.checker.leaderTermCount,
      committedIndex: this.checker.committedIndex,
      ...this.stats,
      messages: { ...this.network.stats },
      fingerprint: this.fingerprint >>> 0,
    };
  }
}
