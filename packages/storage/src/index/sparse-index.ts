import fs from 'node:fs';
import { crc32c } from '@quill/records';
import { fdatasync } from '../file-sync.js';

/**
 * A sparse, append-only index file of (key, value) pairs with non-decreasing keys: the offset index
 * maps relative offset -> file position, the time index maps max timestamp -> relative offset.
 *
 * Every 16-byte entry carries its own CRC-32C (our format, not Kafka's), so a damaged index is
 * detected on load and rebuilt from the log instead of sending reads to a wrong position.
 */
export const INDEX_ENTRY_SIZE = 16;

/**
 * Entries kept in memory before they are written to the file. Index files are written lazily
 * (at most one write per this many entries, and before every fdatasync or close), so an append
 * costs one write syscall for its batches instead of one more per index entry. After a crash the
 * file may miss the newest entries: recovery rescans the unflushed segments and rebuilds them.
 */
export const INDEX_WRITE_BATCH_ENTRIES = 256;

export interface IndexEntry {
  key: number;
  value: number;
}

export type IndexValidator = (entry: IndexEntry, previous: IndexEntry | undefined) => boolean;

function encodeEntry(key: number, value: number): Buffer {
  const entry = Buffer.allocUnsafe(INDEX_ENTRY_SIZE);
  entry.writeBigInt64BE(BigInt(key), 0);
  entry.writeUInt32BE(value, 8);
  entry.writeUInt32BE(crc32c(entry.subarray(0, 12)), 12);
  return entry;
}

export class SparseIndex {
  private keys: Float64Array;
  private values: Float64Array;
  private count = 0;
  private fd: number | undefined;
  private readonly syncs = new Set<Promise<void>>();
  /** Encoded entries not written to the file yet. */
  private pending: Buffer[] = [];

  private constructor(
    readonly filePath: string,
    capacity: number,
  ) {
    this.keys = new Float64Array(Math.max(capacity, 16));
    this.values = new Float64Array(Math.max(capacity, 16));
  }

  /** An empty in-memory index for the path; the file is left as it is until written. */
  static empty(filePath: string): SparseIndex {
    return new SparseIndex(filePath, 16);
  }

  /** An empty index, truncating any file at the path. */
  static create(filePath: string): SparseIndex {
    const index = new SparseIndex(filePath, 16);
    fs.writeFileSync(filePath, Buffer.alloc(0));
    return index;
  }

  /**
   * Loads and checks the index file. Returns undefined when it is missing or damaged in any way
   * (partial entry, bad CRC, an entry the validator rejects): the caller rebuilds it from the log.
   */
  static load(filePath: string, validate: IndexValidator): SparseIndex | undefined {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(filePath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    if (bytes.length % INDEX_ENTRY_SIZE !== 0) return undefined;
    const index = new SparseIndex(filePath, bytes.length / INDEX_ENTRY_SIZE);
    let previous: IndexEntry | undefined;
    for (let position = 0; position < bytes.length; position += INDEX_ENTRY_SIZE) {
      if (crc32c(bytes.subarray(position, position + 12)) !== bytes.readUInt32BE(position + 12)) return undefined;
      const key = Number(bytes.readBigInt64BE(position));
      const entry = { key, value: bytes.readUInt32BE(position + 8) };
      if (!Number.isSafeInteger(key) || !validate(entry, previous)) return undefined;
      index.push(entry.key, entry.value);
      previous = entry;
    }
    return index;
  }

  /** Writes a complete index to a temporary file and renames it into place. */
  static write(filePath: string, entries: readonly IndexEntry[]): SparseIndex {
    const temporary = `${filePath}.tmp`;
    fs.writeFileSync(temporary, Buffer.concat(entries.map((e) => encodeEntry(e.key, e.value))));
    fs.renameSync(temporary, filePath);
    const index = new SparseIndex(filePath, entries.length);
    for (const e of entries) index.push(e.key, e.value);
    return index;
  }

  get size(): number {
    return this.count;
  }

  last(): IndexEntry | undefined {
    return this.count === 0 ? undefined : { key: this.keys[this.count - 1]!, value: this.values[this.count - 1]! };
  }

  entry(i: number): IndexEntry {
    return { key: this.keys[i]!, value: this.values[i]! };
  }

  append(key: number, value: number): void {
    this.pending.push(encodeEntry(key, value));
    this.push(key, value);
    if (this.pending.length >= INDEX_WRITE_BATCH_ENTRIES) this.writePending();
  }

  /** Forgets the entries not written yet (their file was deleted). */
  discardPending(): void {
    this.pending = [];
  }

  /** Writes the entries kept in memory to the file, with one write. */
  private writePending(): void {
    if (this.pending.length === 0) return;
    const bytes = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    this.pending = [];
    this.fd ??= fs.openSync(this.filePath, 'a');
    let written = 0;
    while (written < bytes.length) written += fs.writeSync(this.fd, bytes, written, bytes.length - written);
  }

  private push(key: number, value: number): void {
    if (this.count === this.keys.length) {
      const keys = new Float64Array(this.keys.length * 2);
      keys.set(this.keys);
      this.keys = keys;
      const values = new Float64Array(this.values.length * 2);
      values.set(this.values);
      this.values = values;
    }
    this.keys[this.count] = key;
    this.values[this.count] = value;
    this.count++;
  }

  /** The last entry whose key is <= key (or < key when strict), or undefined if none. */
  floor(key: number, strict = false): IndexEntry | undefined {
    let low = 0;
    let high = this.count - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const k = this.keys[mid]!;
      if (strict ? k < key : k <= key) {
        found = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return found < 0 ? undefined : this.entry(found);
  }

  /** Keeps only the entries the predicate accepts from the start (used after log truncation). */
  truncateWhile(keep: (entry: IndexEntry) => boolean): void {
    let kept = 0;
    while (kept < this.count && keep(this.entry(kept))) kept++;
    if (kept === this.count) return;
    this.count = kept;
    this.closeFile(); // writes what is pending first, so the file holds every entry before the cut
    fs.truncateSync(this.filePath, kept * INDEX_ENTRY_SIZE);
  }

  async flush(): Promise<void> {
    this.writePending();
    if (this.fd === undefined) return;
    const sync = fdatasync(this.fd);
    this.syncs.add(sync);
    try {
      await sync;
    } finally {
      this.syncs.delete(sync);
    }
  }

  /**
   * Writes pending entries and closes the append descriptor; one an fdatasync is still using is
   * closed when that ends.
   */
  closeFile(): void {
    this.writePending();
    const fd = this.fd;
    if (fd === undefined) return;
    this.fd = undefined;
    if (this.syncs.size === 0) fs.closeSync(fd);
    else void Promise.allSettled([...this.syncs]).then(() => fs.closeSync(fd));
  }
}
