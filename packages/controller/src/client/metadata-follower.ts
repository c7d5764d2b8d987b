import type { ClientReadableStream } from '@grpc/grpc-js';
import { decodeMetadataRecordBatch, type FetchMetadataResponse__Output, type MetadataRecord__Output } from '@quill/proto';
import type { Logger } from 'pino';
import { applyRecords } from '../metadata/apply-record.js';
import { restore } from '../metadata/snapshot.js';
import { EMPTY_METADATA_STATE, type MetadataState } from '../metadata/state.js';
import type { ControllerClient } from './controller-client.js';

export interface MetadataFollowerOptions {
  client: ControllerClient;
  controllers: readonly string[];
  clusterId: string;
  /** -1 for observers that are not brokers (tools, tests). */
  brokerId?: number;
  brokerEpoch?: number;
  logger: Logger;
  /** Pause before reconnecting after the stream ended or failed. */
  reconnectBackoffMs?: number;
  /** Called after every change of the local metadata. */
  onChange?: (state: MetadataState) => void;
}

/**
 * Follows the committed metadata log from the active controller into a local MetadataState (what
 * a broker's metadata cache is built on): a snapshot when far behind, then batches in order,
 * reconnecting through controller failovers from where it left off.
 */
export class MetadataFollower {
  private current: MetadataState = EMPTY_METADATA_STATE;
  private leaderHighWatermark = 0;
  private stream: ClientReadableStream<FetchMetadataResponse__Output> | undefined;
  private snapshotRecords: MetadataRecord__Output[] | undefined;
  private stopped = false;
  private attempt = 0;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly options: MetadataFollowerOptions) {}

  get state(): MetadataState {
    return this.current;
  }

  /** The controller's committed offset as of the last message: caught up when state.offset reaches it. */
  get highWatermark(): number {
    return this.leaderHighWatermark;
  }

  start(): void {
    this.connect();
  }

  /** Resolves once `predicate` holds for the local state (checked on every change). */
  waitFor(predicate: (state: MetadataState) => boolean, timeoutMs: number): Promise<MetadataState> {
    if (predicate(this.current)) return Promise.resolve(this.current);
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!predicate(this.current)) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(this.current);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`metadata condition not reached within ${timeoutMs} ms (at offset ${this.current.offset})`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  private connect(): void {
    if (this.stopped) return;
    const controllers = this.options.controllers;
    const address = this.options.client.activeController ?? controllers[this.attempt++ % controllers.length]!;
    const stream = this.options.client.client(address).FetchMetadata({
      clusterId: this.options.clusterId,
      brokerId: this.options.brokerId ?? -1,
      brokerEpoch: this.options.brokerEpoch ?? -1,
      fromOffset: this.current.offset + 1,
    });
    this.stream = stream;
    stream.on('data', (message: FetchMetadataResponse__Output) => this.receive(message, address));
    const reconnect = (): void => {
      if (this.stream !== stream) return;
      this.stream = undefined;
      this.snapshotRecords = undefined;
      setTimeout(() => this.connect(), this.options.reconnectBackoffMs ?? 100);
    };
    stream.on('error', reconnect);
    stream.on('end', reconnect);
  }

  private receive(message: FetchMetadataResponse__Output, address: string): void {
    if (message.error !== null && message.error.code !== 'NONE') {
      this.options.logger.debug({ address, error: message.error }, 'metadata stream refused');
      this.stream?.cancel();
      return;
    }
    this.leaderHighWatermark = Math.max(this.leaderHighWatermark, message.highWatermark);
    if (message.snapshotChunk !== null && message.snapshotChunk !== undefined) {
      const chunk = message.snapshotChunk;
      this.snapshotRecords = [...(this.snapshotRecords ?? []), ...decodeMetadataRecordBatch(chunk.records).records];
      if (chunk.done) {
        this.current = restore(this.snapshotRecords, chunk.lastIncludedOffset);
        this.snapshotRecords = undefined;
        this.changed();
      }
      return;
    }
    const batch = message.batch;
    if (batch === null || batch === undefined || batch.offset <= this.current.offset) return;
    const records = batch.records.length === 0 ? [] : decodeMetadataRecordBatch(batch.records).records;
    const next = applyRecords(this.current, records, batch.offset);
    this.current = next.offset === batch.offset ? next : { ...next, offset: batch.offset };
    this.changed();
  }

  private changed(): void {
    this.options.onChange?.(this.current);
    for (const waiter of [...this.waiters]) waiter();
  }

  stop(): void {
    this.stopped = true;
    this.stream?.cancel();
    this.stream = undefined;
  }
}
