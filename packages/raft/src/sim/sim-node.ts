import type { RaftConfig } from '../core/config.js';
import { RaftInvariantError } from '../core/errors.js';
import { RaftNode } from '../core/node.js';
import type { Ready } from '../core/ready.js';
import type { NodeId } from '../core/types.js';
import type { SimStorage } from './sim-storage.js';
import type { StateMachineImage } from './state-machine.js';

/**
 * One simulated machine: its disk while it is up (reopened from what the writes left on
 * every restart), the Raft node running on it, the Ready whose fsync is in progress, and
 * the application state machine.
 */
export class SimNode {
  private openStorage: SimStorage | undefined = undefined;
  raft: RaftNode | undefined = undefined;
  /** Bumped on every crash and restart: events scheduled for an older incarnation are void. */
  incarnation = 0;
  /** The Ready handed out whose writes are not yet durable; a crash loses it. */
  pendingReady: Ready | undefined = undefined;
  image: StateMachineImage = { index: 0, hash: 0 };
  /** The last term in which this node was seen leading (to check leader completeness once per term). */
  ledTerm = 0;

  constructor(
    readonly id: NodeId,
    readonly isVoter: boolean,
  ) {}

  get up(): boolean {
    return this.raft !== undefined;
  }

  /** The disk of a node that is up. */
  get storage(): SimStorage {
    if (this.openStorage === undefined) throw new RaftInvariantError(`node ${this.id} is down: no storage open`);
    return this.openStorage;
  }

  boot(config: RaftConfig, storage: SimStorage): RaftNode {
    this.incarnation++;
    this.openStorage = storage;
    this.raft = new RaftNode(config, storage);
    this.pendingReady = undefined;
    this.ledTerm = 0;
    return this.raft;
  }

  /** Stops the node, losing its unsynced Ready; returns the storage to close. */
  crash(): SimStorage | undefined {
    const storage = this.openStorage;
    this.incarnation++;
    this.raft = undefined;
    this.openStorage = undefined;
    this.pendingReady = undefined;
    return storage;
  }
}
