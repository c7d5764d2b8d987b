import { MemoryStorage } from '../core/memory-storage.js';
import type { Ready } from '../core/ready.js';
import type { RaftStorage } from '../core/storage.js';
import type { Membership, NodeId } from '../core/types.js';

/**
 * A simulated node's disk: the storage the core reads, plus the writes the Ready contract
 * asks of the caller. Writes may be asynchronous (a real store); the simulator awaits each
 * one before the next event, so a run stays deterministic.
 */
export interface SimStorage extends RaftStorage {
  /** Writes a Ready's snapshot, entries and hard state, all or nothing. */
  persist(ready: Ready): void | Promise<void>;
  /** Takes a snapshot at `index` (applied; `data` is the state machine there) and drops the log up to it. */
  compact(index: number, data: Uint8Array): void | Promise<void>;
  /** A crash: the node's next `open` sees only what `persist` and `compact` wrote. */
  close(): void | Promise<void>;
}

/** Opens each node's disk: at boot, and on every restart after a crash. */
export interface SimStorageFactory {
  open(id: NodeId, membership: Membership): SimStorage | Promise<SimStorage>;
}

/** MemoryStorage as a simulated disk: the object itself survives crashes. */
class MemoryDisk extends MemoryStorage implements SimStorage {
  persist(ready: Ready): void {
    if (ready.snapshot !== undefined) this.applySnapshot(ready.snapshot);
    this.append(ready.entries);
    if (ready.hardState !== undefined) this.setHardState(ready.hardState);
  }

  close(): void {}
}

/** Disks held in memory (the simulator's default), one per node for the run. */
export function memoryStorageFactory(): SimStorageFactory {
  const disks = new Map<NodeId, MemoryDisk>();
  return {
    open(id, membership) {
      let disk = disks.get(id);
      if (disk === undefined) {
        disk = new MemoryDisk(membership);
        disks.set(id, disk);
      }
      return disk;
    },
  };
}
