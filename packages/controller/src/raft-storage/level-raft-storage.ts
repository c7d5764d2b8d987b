import fs from 'node:fs';
import { ClassicLevel } from 'classic-level';
import { CompactedError, MemoryStorage, type Entry, type EntryType, type HardState, type Membership, type RaftStorage, type Ready, type Snapshot } from '@quill/raft';
import { createDirectoryDurably, fsyncDirectorySync, syncDirectoryContents } from '@quill/storage';

const HARD_STATE_KEY = 'h';
const SNAPSHOT_META_KEY = 's:meta';
const SNAPSHOT_DATA_KEY = 's:data';
const ENTRY_PREFIX = 'e:';
/** Entry keys sort by index: 16 hex digits cover every safe integer. */
const entryKey = (index: number): string => `${ENTRY_PREFIX}${index.toString(16).padStart(16, '0')}`;

const ENTRY_TYPES: readonly EntryType[] = ['normal', 'noop'];

/** Bytes of an entry's stored value: term, type, data. */
const encodedSize = (entry: Entry): number => 9 + entry.data.byteLength;

function encodeEntry(entry: Entry): Buffer {
  const out = Buffer.allocUnsafe(encodedSize(entry));
  out.writeBigUInt64BE(BigInt(entry.term), 0);
  out.writeUInt8(ENTRY_TYPES.indexOf(entry.type), 8);
  out.set(entry.data, 9);
  return out;
}

function decodeEntry(index: number, bytes: Buffer): Entry {
  return {
    index,
    term: Number(bytes.readBigUInt64BE(0)),
    type: ENTRY_TYPES[bytes.readUInt8(8)] ?? 'normal',
    data: new Uint8Array(bytes.subarray(9)),
  };
}

type Batch = ReturnType<ClassicLevel<string, Buffer>['batch']>;

/** Deletes the entry keys of indexes from..to (none if from > to). */
function deleteEntries(batch: Batch, from: number, to: number): void {
  for (let index = from; index <= to; index++) batch.del(entryKey(index));
}

/**
 * The controller's durable Raft storage: term, vote, commit, log entries and the latest snapshot
 * in classic-level (LevelDB), mirrored in memory for the core's reads. Each Ready is written as one
 * atomic batch, fsynced when the Ready says it must be, before anything is sent (persist before send).
 * The entry keys on disk are always exactly the mirror's log, so a reopen finds the log it left.
 *
 * LevelDB (1.20, classic-level's) fsyncs its directory only when it syncs a manifest, so a new
 * write-ahead log (started when the memtable fills) is not durable until the compaction that
 * follows records it: a power loss in between takes the log back with the synced entries in it.
 * So before a synced write returns, the directory is fsynced if its mtime moved since the last time.
 */
export class LevelRaftStorage implements RaftStorage {
  /** The directory's mtime when it was last fsynced (none yet: the first check syncs). */
  private syncedDirectoryMtime = -1n;
  /** Stored bytes of the log's entries, kept as entries are written and dropped so a scrape reads it for free. */
  private entryBytes: number;

  private constructor(
    private readonly path: string,
    private readonly db: ClassicLevel<string, Buffer>,
    private readonly memory: MemoryStorage,
    private hardStateValue: HardState,
  ) {
    this.entryBytes = this.storedBytes(memory.firstIndex(), memory.lastIndex());
  }

  static async open(path: string, membership: Membership): Promise<LevelRaftStorage> {
    // LevelDB creates its directory but never fsyncs the parent: without this a power loss can take the whole log.
    createDirectoryDurably(path);
    const db = new ClassicLevel<string, Buffer>(path, { keyEncoding: 'utf8', valueEncoding: 'buffer' });
    await db.open();
    // A new database's first MANIFEST is written without fsync and CURRENT renamed without a
    // directory fsync: after a power loss CURRENT could name an empty MANIFEST and the open fail.
    syncDirectoryContents(path);
    const memory = new MemoryStorage(membership);
    const meta = await db.get(SNAPSHOT_META_KEY);
    if (meta !== undefined) {
      const parsed = JSON.parse(meta.toString('utf8')) as Omit<Snapshot, 'data'>;
      const data = (await db.get(SNAPSHOT_DATA_KEY)) ?? Buffer.alloc(0);
      memory.applySnapshot({ ...parsed, data: new Uint8Array(data) });
    }
    // The log is the run of entries right after the snapshot. Keys outside it (left by versions
    // that cleared the log in a second, unsynced step) belong to no log: drop them.
    const entries: Entry[] = [];
    const strays: string[] = [];
    for await (const [key, value] of db.iterator({ gte: ENTRY_PREFIX, lt: `${ENTRY_PREFIX}~` })) {
      const index = parseInt(key.slice(ENTRY_PREFIX.length), 16);
      if (index === memory.snapshot().index + entries.length + 1) entries.push(decodeEntry(index, value));
      else strays.push(key);
    }
    if (strays.length > 0) await db.batch(strays.map((key) => ({ type: 'del' as const, key })), { sync: true });
    memory.append(entries);
    const hardStateBytes = await db.get(HARD_STATE_KEY);
    const hardState = hardStateBytes === undefined ? { term: 0, vote: 0, commit: 0 } : (JSON.parse(hardStateBytes.toString('utf8')) as HardState);
    memory.setHardState(hardState);
    return new LevelRaftStorage(path, db, memory, hardState);
  }

  initialState() {
    return this.memory.initialState();
  }
  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    return this.memory.entries(lo, hi, maxBytes);
  }
  term(index: number): number {
    return this.memory.term(index);
  }
  firstIndex(): number {
    return this.memory.firstIndex();
  }
  lastIndex(): number {
    return this.memory.lastIndex();
  }
  snapshot(): Snapshot {
    return this.memory.snapshot();
  }
  get hardState(): HardState {
    return this.hardStateValue;
  }

  /** Bytes of the log's entries since the snapshot, and of the snapshot's state, as stored (before LevelDB's compression). */
  get sizeBytes(): { entries: number; snapshot: number } {
    return { entries: this.entryBytes, snapshot: this.memory.snapshot().data.byteLength };
  }

  /** Persists a Ready's snapshot, entries and hard state in one batch (synced if `mustSync`). */
  async persist(ready: Ready): Promise<void> {
    // Most Readies of an idle quorum carry only heartbeats and their answers: nothing to write,
    // and a level write would cost a thread-pool round trip each.
    if (ready.snapshot === undefined && ready.entries.length === 0 && ready.hardState === undefined) return;
    // The batch brings the disk to what the mirror holds once the same Ready is applied to it:
    // its log spans (snapshotIndex, lastIndex] as each step below leaves it.
    const batch = this.db.batch();
    let snapshotIndex = this.memory.snapshot().index;
    let lastIndex = this.memory.lastIndex();
    let removedBytes = 0;
    const snapshot = ready.snapshot;
    if (snapshot !== undefined) {
      this.putSnapshot(batch, snapshot);
      // Raft, Figure 13: a log holding the snapshot's last entry keeps what follows it; any other log goes whole.
      if (!this.memory.holds(snapshot.index, snapshot.term)) lastIndex = snapshot.index;
      deleteEntries(batch, snapshotIndex + 1, Math.min(snapshot.index, this.memory.lastIndex()));
      deleteEntries(batch, lastIndex + 1, this.memory.lastIndex());
      removedBytes += this.storedBytes(snapshotIndex + 1, Math.min(snapshot.index, this.memory.lastIndex())) + this.storedBytes(lastIndex + 1, this.memory.lastIndex());
      snapshotIndex = snapshot.index;
    }
    // Entries the snapshot covers are skipped, as the mirror skips them.
    const entries = ready.entries.filter((entry) => entry.index > snapshotIndex);
    let addedBytes = 0;
    const last = entries[entries.length - 1];
    if (last !== undefined) {
      for (const entry of entries) {
        batch.put(entryKey(entry.index), encodeEntry(entry));
        addedBytes += encodedSize(entry);
      }
      // A new leader may replace our uncommitted tail: drop what lies beyond the new entries.
      deleteEntries(batch, last.index + 1, lastIndex);
      // The entries overwritten and those dropped beyond them.
      removedBytes += this.storedBytes(entries[0]?.index ?? last.index, lastIndex);
    }
    if (ready.hardState !== undefined) batch.put(HARD_STATE_KEY, Buffer.from(JSON.stringify(ready.hardState)));
    await batch.write({ sync: ready.mustSync });
    if (ready.mustSync) this.syncDirectoryIfChanged();
    if (snapshot !== undefined) this.memory.applySnapshot(snapshot);
    this.memory.append(ready.entries);
    this.entryBytes += addedBytes - removedBytes;
    if (ready.hardState !== undefined) {
      this.hardStateValue = ready.hardState;
      this.memory.setHardState(ready.hardState);
    }
  }

  /** Takes a snapshot at `index` (already applied; `data` is the state there) and drops the log up to it. */
  async compact(index: number, data: Uint8Array): Promise<void> {
    const current = this.memory.snapshot();
    if (index <= current.index) throw new CompactedError(index, current.index + 1);
    // term() also rejects an index beyond the log.
    const snapshot: Snapshot = { index, term: this.memory.term(index), voters: current.voters, observers: current.observers, data };
    const batch = this.db.batch();
    this.putSnapshot(batch, snapshot);
    deleteEntries(batch, current.index + 1, index);
    await batch.write({ sync: true });
    this.syncDirectoryIfChanged();
    this.entryBytes -= this.storedBytes(current.index + 1, index);
    this.memory.compact(index, data);
  }

  /** Stored bytes of the mirror's entries from..to (clamped to its log; none if empty). */
  private storedBytes(from: number, to: number): number {
    const lo = Math.max(from, this.memory.firstIndex());
    const hi = Math.min(to, this.memory.lastIndex());
    if (lo > hi) return 0;
    let bytes = 0;
    for (const entry of this.memory.entries(lo, hi + 1, Number.MAX_SAFE_INTEGER)) bytes += encodedSize(entry);
    return bytes;
  }

  private putSnapshot(batch: Batch, snapshot: Snapshot): void {
    const { data, ...meta } = snapshot;
    batch.put(SNAPSHOT_META_KEY, Buffer.from(JSON.stringify(meta)));
    batch.put(SNAPSHOT_DATA_KEY, Buffer.from(data));
  }

  /** The mtime is read before the fsync, so a change racing it is caught by the next call. */
  private syncDirectoryIfChanged(): void {
    const mtime = fs.statSync(this.path, { bigint: true }).mtimeNs;
    if (mtime === this.syncedDirectoryMtime) return;
    fsyncDirectorySync(this.path);
    this.syncedDirectoryMtime = mtime;
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
