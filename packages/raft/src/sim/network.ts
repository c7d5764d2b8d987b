/**
 * A seeded, lossy network: each message may be dropped, duplicated, delayed (a few
 * time units, sometimes far longer, which reorders it behind later ones), or cut by a
 * partition while in flight. Links are directed, so partitions can be one-way.
 */
import type { Random } from '@quill/random';
import type { NodeId } from '../core/types.js';

export interface NetworkFaults {
  readonly dropProbability: number;
  readonly duplicateProbability: number;
  /** Usual one-way delay, uniform in [1, delayUnitsMax]. */
  readonly delayUnitsMax: number;
  /** Chance that a message is held back up to longDelayUnitsMax instead. */
  readonly longDelayProbability: number;
  readonly longDelayUnitsMax: number;
}

/** A healed network for the liveness phase: nothing lost, short delays. */
export const RELIABLE_NETWORK: NetworkFaults = {
  dropProbability: 0,
  duplicateProbability: 0,
  delayUnitsMax: 5,
  longDelayProbability: 0,
  longDelayUnitsMax: 5,
};

export interface NetworkStats {
  sent: number;
  dropped: number;
  duplicated: number;
  delivered: number;
}

export class SimNetwork {
  readonly stats: NetworkStats = { sent: 0, dropped: 0, duplicated: 0, delivered: 0 };
  private faults: NetworkFaults;
  /** blocked[from][to]: the directed link is cut. Ids index directly (they are 1..n). */
  private readonly blocked: boolean[][];

  constructor(
    private readonly random: Random,
    faults: NetworkFaults,
    private readonly nodeIds: readonly NodeId[],
  ) {
    this.faults = faults;
    const size = Math.max(...nodeIds) + 1;
    this.blocked = Array.from({ length: size }, () => new Array<boolean>(size).fill(false));
  }

  setFaults(faults: NetworkFaults): void {
    this.faults = faults;
  }

  /** Sends one message: returns the delays after which its copies arrive (none if dropped). */
  transmit(): number[] {
    this.stats.sent++;
    if (this.random.chance(this.faults.dropProbability)) {
      this.stats.dropped++;
      return [];
    }
    const delays = [this.delay()];
    if (this.random.chance(this.faults.duplicateProbability)) {
      this.stats.duplicated++;
      delays.push(this.delay());
    }
    return delays;
  }

  /** Whether a message arriving now from `from` gets through to `to`. */
  canDeliver(from: NodeId, to: NodeId): boolean {
    const open = !(this.blocked[from]?.[to] ?? false);
    if (open) this.stats.delivered++;
    else this.stats.dropped++;
    return open;
  }

  /** Cuts every link between `group` and the other nodes, both ways. */
  partition(group: readonly NodeId[]): void {
    for (const a of group) {
      for (const b of this.nodeIds) {
        if (group.includes(b)) continue;
        this.cut(a, b);
        this.cut(b, a);
      }
    }
  }

  cut(from: NodeId, to: NodeId): void {
    const row = this.blocked[from];
    if (row !== undefined) row[to] = true;
  }

  heal(): void {
    for (const row of this.blocked) row.fill(false);
  }

  private delay(): number {
    const faults = this.faults;
    if (this.random.chance(faults.longDelayProbability)) return this.random.int(1, faults.longDelayUnitsMax);
    return this.random.int(1, faults.delayUnitsMax);
  }
}
