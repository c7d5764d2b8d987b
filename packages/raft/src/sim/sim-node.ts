import type { RaftConfig } from '../core/config.js';
import { MemoryStorage } from '../core/memory-storage.js';
import { RaftNode } from '../core/node.js';
import type { Ready } from '../core/ready.js';
import type { Membership, NodeId } from '../core/types.js';
import type { StateMachineImage } from './state-machine.js';

/**
 * One simulated machine: a disk (MemoryStorage, which survives crashes), the Raft node
 * running on it while it is up, the Ready whose fsync is in progress, and the
 * application state machine.
 */
export class SimNode {
  /** The disk: holds exactly what completed fsyncs wrote. */
  readonly storage: MemoryStorage;
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
    membership: Membership,
  ) {
    this.storage = new MemoryStorage(membership);
  }

  get up(): boolean {
    return this.raft !== undefined;
  }

  boot(config: RaftConfig): RaftNode {
    this.incarnation++;
    this.raft = new RaftNode(config, this.storage);
    this.pendingReady = undefined;
    this.ledTerm = 0;
    return this.raft;
  }

  crash(): void {
    this.incarnation++;
    this.raft = undefined;
    this.pendingReady = undefined;
  }
}
