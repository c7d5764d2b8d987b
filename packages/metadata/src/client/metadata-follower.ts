import type { ClientReadableStream } from '@grpc/grpc-js';
import { systemClock, type Clock, type Timer } from '@quill/clock';
import {
  decodeMetadataRecordBatch,
  type ControllerClient as GrpcControllerClient,
  type FetchMetadataResponse__Output,
  type MetadataRecord__Output,
} from '@quill/proto';
import type { Logger } from 'pino';
import { applyRecords } from '../state/apply-record.js';
import { restore } from '../state/snapshot.js';
import { EMPTY_METADATA_STATE, type MetadataState } from '../state/state.js';
import type { ControllerClient } from './controller-client.js';
import { DEFAULT_METADATA_FETCH_TIMEOUT_MS, StreamWatch } from './stream-watch.js';

/** What the follower needs of a ControllerClient: which controller is active, and a metadata stream from one. */
export interface FollowedControllers extends Pick<ControllerClient, 'activeController' | 'followHint' | 'forget' | 'onActiveControllerChange'> {
  client(address: string): Pick<GrpcControllerClient, 'FetchMetadata'>;
}

/** Pause before reopening a metadata stream that ended or failed. */
export const DEFAULT_METADATA_RECONNECT_BACKOFF_MS = 100;

export interface MetadataFollowerOptions {
  client: FollowedControllers;
  controllers: readonly string[];
  clusterId: string;
  /** -1 for observers that are not brokers (tools, tests). */
  brokerId?: number;
  brokerEpoch?: number;
  logger: Logger;
  /** Pause before reconnecting after the stream ended or failed. Default DEFAULT_METADATA_RECONNECT_BACKOFF_MS. */
  reconnectBackoffMs?: number;
  /**
   * A stream silent this long is left for another controller (Kafka's
   * controller.quorum.fetch.timeout.ms). Default DEFAULT_METADATA_FETCH_TIMEOUT_MS, 2 s.
   */
  fetchTimeoutMs?: number;
  /** Time for the idle watch, the reconnect backoff and waitFor's timeout. Default systemClock. */
  clock?: Clock;
  /** Called after every change of the local metadata. */
  onChange?: (state: MetadataState) => void;
}

/**
 * Follows the committed metadata log from the active controller into a local MetadataState (what
 * a broker's metadata cache is built on): a snapshot when far behind, then batches in order,
 * reconnecting through controller failovers from where it left off. A controller that stops dead
 * (SIGSTOP, a hung host) keeps its stream open without a word: the stream is also left when it was
 * silent for the fetch timeout (the active controller sends an empty message when idle), or when
 * the controller client learns of another active controller.
 */
export class MetadataFollower {
  private current: MetadataState = EMPTY_METADATA_STATE;
  private leaderHighWatermark = 0;
  private stream: ClientReadableStream<FetchMetadataResponse__Output> | undefined;
  private watch: StreamWatch | undefined;
  private watchTimer: Timer | undefined;
  private reconnectTimer: Timer | undefined;
  private readonly clock: Clock;
  private unsubscribe: (() => void) | undefined;
  /** A controller just left for silence: not dialled again next if another can be. */
  private avoid: string | undefined;
  private snapshotRecords: MetadataRecord__Output[] | undefined;
  private stopped = false;
  private attempt = 0;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly options: MetadataFollowerOptions) {
    this.clock = options.clock ?? systemClock;
  }

  get state(): MetadataState {
    return this.current;
  }

  /** The controller's committed offset as of the last message: caught up when state.offset reaches it. */
  get highWatermark(): number {
    return this.leaderHighWatermark;
  }

  start(): void {
    const fetchTimeoutMs = this.options.fetchTimeoutMs ?? DEFAULT_METADATA_FETCH_TIMEOUT_MS;
    this.watchTimer = this.clock.setInterval(() => this.checkIdle(), watchIntervalMs(fetchTimeoutMs));
    this.unsubscribe = this.options.client.onActiveControllerChange((active) => {
      if (this.stream !== undefined && this.watch?.moved(active)) this.leave(this.stream, this.watch, 'moved');
    });
    this.connect();
  }

  /** Resolves once `predicate` holds for the local state (checked on every change). */
  waitFor(predicate: (state: MetadataState) => boolean, timeoutMs: number): Promise<MetadataState> {
    if (predicate(this.current)) return Promise.resolve(this.current);
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!predicate(this.current)) return;
        timer.cancel();
        this.waiters.delete(check);
        resolve(this.current);
      };
      const timer = this.clock.setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`metadata condition not reached within ${timeoutMs} ms (at offset ${this.current.offset})`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  private connect(): void {
    if (this.stopped) return;
    const client = this.options.client;
    const address = this.nextAddress();
    this.avoid = undefined;
    const stream = client.client(address).FetchMetadata({
      clusterId: this.options.clusterId,
      brokerId: this.options.brokerId ?? -1,
      brokerEpoch: this.options.brokerEpoch ?? -1,
      fromOffset: this.current.offset + 1,
    });
    this.stream = stream;
    const fetchTimeoutMs = this.options.fetchTimeoutMs ?? DEFAULT_METADATA_FETCH_TIMEOUT_MS;
    const watch = new StreamWatch(fetchTimeoutMs, watchIntervalMs(fetchTimeoutMs), address, client.activeController, this.clock.now());
    this.watch = watch;
    stream.on('data', (message: FetchMetadataResponse__Output) => {
      watch.heard(this.clock.now());
      this.receive(message, stream, address);
    });
    stream.on('error', () => this.drop(stream));
    stream.on('end', () => this.drop(stream));
  }

  /** The controller believed active, else the next in turn (skipping one just left for silence). */
  private nextAddress(): string {
    const active = this.options.client.activeController;
    if (active !== undefined && active !== this.avoid) return active;
    const controllers = this.options.controllers;
    for (let i = 0; i < controllers.length; i++) {
      const candidate = controllers[this.attempt++ % controllers.length]!;
      if (candidate !== this.avoid) return candidate;
    }
    return controllers[this.attempt++ % controllers.length]!;
  }

  /** Leaves `stream` (if it is still the current one) and reconnects after the backoff. */
  private drop(stream: ClientReadableStream<FetchMetadataResponse__Output>): void {
    if (this.stream !== stream) return;
    this.stream = undefined;
    this.watch = undefined;
    this.snapshotRecords = undefined;
    stream.cancel();
    this.reconnectTimer = this.clock.setTimeout(() => this.connect(), this.options.reconnectBackoffMs ?? DEFAULT_METADATA_RECONNECT_BACKOFF_MS);
  }

  private checkIdle(): void {
    if (this.stream !== undefined && this.watch?.idle(this.clock.now())) this.leave(this.stream, this.watch, 'idle');
  }

  private leave(stream: ClientReadableStream<FetchMetadataResponse__Output>, watch: StreamWatch, reason: 'idle' | 'moved'): void {
    this.options.logger.info({ address: watch.source, reason, offset: this.current.offset }, 'leaving the metadata stream for another controller');
    if (reason === 'idle') {
      this.options.client.forget(watch.source);
      this.avoid = watch.source;
    }
    this.drop(stream);
  }

  private receive(message: FetchMetadataResponse__Output, stream: ClientReadableStream<FetchMetadataResponse__Output>, address: string): void {
    if (message.error !== null && message.error.code !== 'NONE') {
      this.options.logger.debug({ address, error: message.error }, 'metadata stream refused');
      if (message.error.code === 'NOT_CONTROLLER') this.options.client.followHint(message.leaderHint);
      this.drop(stream);
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
    // A keepalive from an idle controller carries no payload: hearing it was the point.
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
    this.watchTimer?.cancel();
    this.reconnectTimer?.cancel();
    this.unsubscribe?.();
    this.stream?.cancel();
    this.stream = undefined;
    this.watch = undefined;
  }
}

/** Checked a few times per timeout, so a silent stream is left soon after the timeout passes. */
function watchIntervalMs(fetchTimeoutMs: number): number {
  return Math.max(10, Math.floor(fetchTimeoutMs / 4));
}
