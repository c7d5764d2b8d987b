import { ClassicLevel } from 'classic-level';
import { MemoryStorage, type Entry, type EntryType, type HardState, type Membership, type RaftStorage, type Ready, type Snapshot } from '@quill/raft';

const HARD_STATE_KEY = 'h';
const SNAPSHOT_META_KEY = 's:meta';
const SNAPSHOT_DATA_KEY = 's:data';
const ENTRY_PREFIX = 'e:';
/** Entry keys sort by index: 16 hex digits cover every safe integer. */
const entryKey = (index: number): string => `${ENTRY_PREFIX}${index.toString(16).padStart(16, '0')}`;

const ENTRY_TYPES: readonly EntryType[] = ['normal', 'noop'];

function encodeEntry(entry: Entry): Buffer {
  const out = Buffer.allocUnsafe(9 + entry.data.byteLength);
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

/**
 * The controller's durable Raft storage: term, vote, commit, log entries and the latest snapshot
 * in classic-level (LevelDB), mirrored in memory for the core's reads. Each Ready is written as one
 * atomic batch, fsynced when the Ready says it must be, before anything is sent (persist before send).
 */
export class LevelRaftStorage implements RaftStorage {
  private constructor(
    private readonly db: ClassicLevel<string, Buffer>,
    private readonly memory: MemoryStorage,
    private hardStateValue: HardState,
  ) {}

  static async open(path: string, membership: Membership): Promise<LevelRaftStorage> {
    const db = new ClassicLevel<string, Buffer>(path, { keyEncoding: 'utf8', valueEncoding: 'buffer' });
    await db.open();
    const memory = new MemoryStorage(membership);
    const meta = await db.get(SNAPSHOT_META_KEY);
    if (meta !== undefined) {
      const parsed = JSON.parse(meta.toString('utf8')) as Omit<Snapshot, 'data'>;
      const data = (await db.get(SNAPSHOT_DATA_KEY)) ?? Buffer.alloc(0);
      memory.applySnapshot({ ...parsed, data: new Uint8Array(data) });
    }
    const entries: Entry[] = [];
    for await (const [key, value] of db.iterator({ gte: ENTRY_PREFIX, lt: `${ENTRY_PREFIX}~` })) {
      const index = parseInt(key.slice(ENTRY_PREFIX.length), 16);
      if (index > memory.snapshot().index) entries.push(decodeEntry(index, value));
    }
    memory.append(entries);
    const hardStateBytes = await db.get(HARD_STATE_KEY);
    const hardState = hardStateBytes === undefined ? { term: 0, vote: 0, commit: 0 } : (JSON.parse(hardStateBytes.toString('utf8')) as HardState);
    memory.setHardState(hardState);
    return new LevelRaftStorage(db, memory, hardState);
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

  /** Persists a Ready's snapshot, entries and hard state in one batch (synced if `mustSync`). */
  async persist(ready: Ready): Promise<void> {
    // Most Readies of an idle quorum carry only heartbeats and their answers: nothing to write,
    // and a level write would cost a thread-pool round trip each.
    if (ready.snapshot === undefined && ready.entries.length === 0 && ready.hardState === undefined) return;
    const batch = this.db.batch();
    if (ready.snapshot !== undefined) {
      this.putSnapshot(batch, ready.snapshot);
    }
    const first = ready.entries[0];
    if (first !== undefined) {
      for (const entry of ready.entries) batch.put(entryKey(entry.index), encodeEntry(entry));
      // A new leader may replace our uncommitted tail: drop what lies beyond the new entries.
      const newLast = first.index + ready.entries.length - 1;
      for (let index = newLast + 1; index <= this.memory.lastIndex(); index++) batch.del(entryKey(index));
    }
    if (ready.hardState !== undefined) batch.put(HARD_STATE_KEY, Buffer.from(JSON.stringify(ready.hardState)));
    await batch.write({ sync: ready.mustSync });
    if (ready.snapshot !== undefined) {
      this.memory.applySnapshot(ready.snapshot);
      await this.clearEntriesThrough(ready.snapshot.index);
    }
    this.memory.append(ready.entries);
    if (ready.hardState !== undefined) {
      this.hardStateValue = ready.hardState;
      this.memory.setHardState(ready.hardState);
    }
  }

  /** Takes a snapshot at `index` (already applied; `data` is the state there) and drops the log up to it. */
  async compact(index: number, data: Uint8Array): Promise<void> {
    this.memory.compact(index, data);
    const batch = this.db.batch();
    this.putSnapshot(batch, this.memory.snapshot());
    await batch.write({ sync: true });
    await this.clearEntriesThrough(index);
  }

  private putSnapshot(batch: ReturnType<ClassicLevel<string, Buffer>['batch']>, snapshot: Snapshot): void {
    const { data, ...meta } = snapshot;
    batch.put(SNAPSHOT_META_KEY, Buffer.from(JSON.stringify(meta)));
    batch.put(SNAPSHOT_DATA_KEY, Buffer.from(data));
  }

  private async clearEntriesThrough(index: number): Promise<void> {
    await this.db.clear({ gte: ENTRY_PREFIX, lte: entryKey(index) });
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
