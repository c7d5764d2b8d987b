/**
 * A tiny synchronous cluster for scenario tests of the core: every node persists each
 * Ready at once (MemoryStorage), messages wait in a queue until the test delivers
 * them, and the test decides which links drop what. Not part of the public API.
 */
import type { RaftConfig } from '../core/config.js';
import { MemoryStorage } from '../core/memory-storage.js';
import type { Message } from '../core/messages.js';
import { RaftNode } from '../core/node.js';
import { SeededRandom } from '@quill/random';
import type { Ready } from '../core/ready.js';
import type { Entry, NodeId } from '../core/types.js';

/** Deliveries per `stabilize` call: a scenario that needs more is looping. */
const DELIVERIES_MAX = 10_000;

export type ClusterConfig = Partial<Omit<RaftConfig, 'id' | 'voters' | 'observers' | 'random'>>;

export class TestCluster {
  readonly storages = new Map<NodeId, MemoryStorage>();
  readonly nodes = new Map<NodeId, RaftNode>();
  /** Entries each node applied, in order (snapshots reset it to []). */
  readonly applied = new Map<NodeId, Entry[]>();
  /** Messages sent and not yet delivered. */
  inFlight: Message[] = [];
  /** Nodes whose messages in both directions are dropped. */
  readonly isolated = new Set<NodeId>();
  /** Extra drop rule: return true to drop a message. */
  dropIf: (message: Message) => boolean = () => false;
  /** Nodes whose Readies are left alone (a slow disk): the test handles them. */
  readonly paused = new Set<NodeId>();
  private readonly random = new SeededRandom(42);

  constructor(
    readonly voters: readonly NodeId[],
    readonly observers: readonly NodeId[] = [],
    private readonly config: ClusterConfig = {},
  ) {
    for (const id of [...voters, ...observers]) {
      this.storages.set(id, new MemoryStorage({ voters, observers }));
      this.start(id);
    }
  }

  node(id: NodeId): RaftNode {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  storage(id: NodeId): MemoryStorage {
    const storage = this.storages.get(id);
    if (storage === undefined) throw new Error(`no storage for ${id}`);
    return storage;
  }

  /** (Re)starts a node from what its storage holds. */
  start(id: NodeId): RaftNode {
    const node = new RaftNode(
      { id, voters: this.voters, observers: this.observers, random: this.random, ...this.config },
      this.storage(id),
    );
    this.nodes.set(id, node);
    this.applied.set(id, []);
    return node;
  }

  /** Ticks `id` until it starts campaigning (at most two election timeouts). */
  tickUntilCampaign(id: NodeId): void {
    const node = this.node(id);
    const termBefore = node.term;
    const electionTick = this.config.electionTick ?? 10;
    for (let i = 0; i < 2 * electionTick; i++) {
      node.tick();
      if (node.role !== 'follower' || node.term !== termBefore) return;
    }
    throw new Error(`node ${id} did not campaign`);
  }

  /**
   * Makes `id` leader: it campaigns and every message is delivered until the cluster is
   * quiet. A second campaign may be needed when the first only taught it a newer term.
   */
  elect(id: NodeId): void {
    for (let attempt = 0; attempt < 3 && this.node(id).role !== 'leader'; attempt++) {
      this.tickUntilCampaign(id);
      this.stabilize();
    }
    if (this.node(id).role !== 'leader') throw new Error(`node ${id} did not win: ${this.node(id).role}`);
  }

  /** Carries out every pending Ready of the nodes not paused (persist, queue messages, apply, advance). */
  flushReadies(): void {
    for (const [id, node] of this.nodes) {
      if (this.paused.has(id)) continue;
      for (let ready = node.readyIfAny(); ready !== undefined; ready = node.readyIfAny()) this.complete(id, ready);
    }
  }

  /** Persists, queues the messages of, applies and advances one Ready of `id`. */
  complete(id: NodeId, ready: Ready): void {
    const storage = this.storage(id);
    if (ready.snapshot !== undefined) storage.applySnapshot(ready.snapshot);
    storage.append(ready.entries);
    if (ready.hardState !== undefined) storage.setHardState(ready.hardState);
    this.inFlight.push(...ready.messages);
    if (ready.snapshot !== undefined) this.applied.set(id, []);
    this.applied.get(id)?.push(...ready.committedEntries);
    this.node(id).advance(ready);
  }

  /** Delivers one round: every message in flight now (replies go to the next round). */
  deliverRound(): number {
    this.flushReadies();
    const batch = this.inFlight;
    this.inFlight = [];
    let delivered = 0;
    for (const message of batch) {
      if (this.isolated.has(message.from) || this.isolated.has(message.to) || this.dropIf(message)) continue;
      const result = this.node(message.to).step(message);
      if (!result.ok) throw new Error(`step refused: ${result.detail}`);
      delivered++;
    }
    this.flushReadies();
    return delivered;
  }

  /** Delivers until no message is left in flight. */
  stabilize(): void {
    let total = 0;
    this.flushReadies();
    while (this.inFlight.length > 0) {
      total += this.deliverRound();
      if (total > DELIVERIES_MAX) throw new Error('cluster does not stabilize');
    }
  }

  /** Ticks every node once, then stabilizes. */
  tickAll(ticks = 1): void {
    for (let i = 0; i < ticks; i++) {
      for (const node of this.nodes.values()) node.tick();
      this.stabilize();
    }
  }

  /** Takes the queued messages matching `predicate` out of flight. */
  take(predicate: (message: Message) => boolean): Message[] {
    const taken = this.inFlight.filter(predicate);
    this.inFlight = this.inFlight.filter((message) => !predicate(message));
    return taken;
  }

  propose(leader: NodeId, text: string): { index: number; term: number } {
    const result = this.node(leader).propose(new TextEncoder().encode(text));
    if (!result.ok) throw new Error(`proposal refused: ${result.reason}`);
    return { index: result.index, term: result.term };
  }

  appliedTexts(id: NodeId): string[] {
    return (this.applied.get(id) ?? []).filter((entry) => entry.type === 'normal').map((entry) => new TextDecoder().decode(entry.data));
  }
}
