import type { ServerWritableStream } from '@grpc/grpc-js';
import { QuillError, asQuillError, decodeMetadataRecordBatch, errorMessage, type FetchMetadataRequest__Output, type FetchMetadataResponse } from '@quill/proto';
import { CompactedError } from '@quill/raft';
import type { Logger } from 'pino';
import type { LevelRaftStorage } from '../raft-storage/level-raft-storage.js';
import { encodeRecords, type MetadataStateMachine } from './metadata-state-machine.js';
import type { RaftDriver } from './raft-driver.js';

type MetadataCall = ServerWritableStream<FetchMetadataRequest__Output, FetchMetadataResponse>;

interface Follower {
  call: MetadataCall;
  brokerId: number;
  /** The next offset to send. */
  next: number;
  lastFetchMs: number;
  /** When anything (a batch, a chunk, a keepalive) was last written to the stream. */
  lastSentMs: number;
  fail: (error: QuillError) => void;
  pumping: boolean;
}

/** Entries read from the Raft log per step, and bytes per snapshot chunk. */
const ENTRIES_PER_READ = 256;
const READ_MAX_BYTES = 1024 * 1024;
const SNAPSHOT_CHUNK_BYTES = 1024 * 1024;

/**
 * Streams the committed metadata log to brokers (and tools) that follow it: a snapshot first when
 * they are behind the log start, then every committed entry in order (no-ops as empty batches, so
 * a follower's offset reaches the high watermark), then new commits as they apply. Flow control
 * follows the stream's backpressure; losing leadership ends every stream with NOT_CONTROLLER.
 * A stream with nothing to send gets a keepalive every `maxIdleIntervalMs` (where Kafka's active
 * controller appends NoOpRecords to the log): a message with no payload, so a follower can tell a
 * live controller from a stopped one without growing the log.
 */
export class MetadataLogReader {
  private readonly followers = new Set<Follower>();
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly driver: RaftDriver,
    private readonly storage: LevelRaftStorage,
    private readonly metadata: MetadataStateMachine,
    private readonly logger: Logger,
    private readonly notController: () => QuillError,
    private readonly maxIdleIntervalMs: number,
  ) {
    metadata.onApplied(() => {
      for (const follower of this.followers) void this.pump(follower);
    });
  }

  start(): void {
    // Checked twice per interval, so no stream stays silent much past it.
    this.idleTimer = setInterval(() => this.keepAlive(), Math.max(5, Math.floor(this.maxIdleIntervalMs / 2)));
  }

  stop(): void {
    if (this.idleTimer !== undefined) clearInterval(this.idleTimer);
  }

  follow(call: MetadataCall, brokerId: number, fromOffset: number, fail: (error: QuillError) => void): void {
    if (!this.driver.isLeader) {
      fail(this.notController());
      return;
    }
    const follower: Follower = { call, brokerId, next: Math.max(1, fromOffset), lastFetchMs: Date.now(), lastSentMs: Date.now(), fail, pumping: false };
    this.followers.add(follower);
    const remove = (): void => void this.followers.delete(follower);
    call.on('cancelled', remove);
    call.on('close', remove);
    call.on('error', remove);
    void this.pump(follower);
  }

  /** Ends every stream: this node is no longer the active controller. */
  leadershipLost(): void {
    for (const follower of this.followers) follower.fail(this.notController());
    this.followers.clear();
  }

  observers(): Array<{ brokerId: number; offset: number; lastFetchMs: number }> {
    return [...this.followers].filter((f) => f.brokerId >= 0).map((f) => ({ brokerId: f.brokerId, offset: f.next - 1, lastFetchMs: f.lastFetchMs }));
  }

  /** Writes an empty message to every caught-up stream that was silent for the idle interval. */
  private keepAlive(): void {
    if (!this.driver.isLeader) return;
    const now = Date.now();
    const applied = this.metadata.current.offset;
    for (const follower of this.followers) {
      // A pumping stream is sending (or waiting for the reader to drain): it is not idle.
      if (follower.pumping || follower.next <= applied || now - follower.lastSentMs < this.maxIdleIntervalMs) continue;
      follower.call.write({ highWatermark: applied });
      follower.lastSentMs = now;
    }
  }

  private async pump(follower: Follower): Promise<void> {
    if (follower.pumping) return;
    follower.pumping = true;
    try {
      while (this.followers.has(follower) && follower.next <= this.metadata.current.offset) {
        const applied = this.metadata.current.offset;
        const writable = follower.next < this.storage.firstIndex() ? this.sendSnapshot(follower, applied) : this.sendEntries(follower, applied);
        follower.lastFetchMs = follower.lastSentMs = Date.now();
        if (!writable) await new Promise<void>((resolve) => follower.call.once('drain', () => resolve()));
      }
    } catch (error) {
      this.logger.warn({ brokerId: follower.brokerId, err: errorMessage(error) }, 'metadata stream failed');
      this.followers.delete(follower);
      follower.fail(asQuillError(error));
    } finally {
      follower.pumping = false;
    }
  }

  /** Sends the latest snapshot in chunks split on record boundaries; returns false when the stream is full. */
  private sendSnapshot(follower: Follower, highWatermark: number): boolean {
    const snapshot = this.storage.snapshot();
    const records = snapshot.data.byteLength === 0 ? [] : decodeMetadataRecordBatch(snapshot.data).records;
    const chunks: Buffer[] = [];
    let start = 0;
    while (start < records.length || chunks.length === 0) {
      let end = start;
      let size = 0;
      while (end < records.length && (end === start || size < SNAPSHOT_CHUNK_BYTES)) {
        size += encodeRecords([records[end]!]).length;
        end++;
      }
      chunks.push(encodeRecords(records.slice(start, end)));
      start = end;
      if (start >= records.length) break;
    }
    let writable = true;
    chunks.forEach((chunk, i) => {
      writable = follower.call.write({
        highWatermark,
        snapshotChunk: { lastIncludedOffset: snapshot.index, lastIncludedTerm: snapshot.term, records: chunk, done: i === chunks.length - 1 },
      });
    });
    follower.next = snapshot.index + 1;
    return writable;
  }

  private sendEntries(follower: Follower, highWatermark: number): boolean {
    let entries;
    try {
      entries = this.storage.entries(follower.next, Math.min(highWatermark + 1, follower.next + ENTRIES_PER_READ), READ_MAX_BYTES);
    } catch (error) {
      if (error instanceof CompactedError) return this.sendSnapshot(follower, highWatermark);
      throw error;
    }
    let writable = true;
    for (const entry of entries) {
      const records = entry.type === 'normal' ? Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength) : Buffer.alloc(0);
      writable = follower.call.write({ highWatermark, batch: { offset: entry.index, term: entry.term, records } });
      follower.next = entry.index + 1;
    }
    return writable;
  }
}
