import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Clock, Timer } from '@quill/clock';
import type { Logger } from 'pino';
import type { BrokerConfig } from '../config.js';
import { toQuillError } from '../errors.js';
import type { ReplicaManager } from '../replica-manager/replica-manager.js';
import type { Effects, Write, WriteFailure } from './effects.js';
import { GROUP_METADATA_TOPIC_NAME } from './offsets-topic.js';
import { decodeCoordinatorRecords, encodeCoordinatorRecords } from './record-codec.js';
import { CoordinatorShard, type GroupCoordinatorSettings } from './shard.js';

export interface ShardSlotDeps {
  config: BrokerConfig;
  replicas: Pick<ReplicaManager, 'partition' | 'produce'>;
  settings: GroupCoordinatorSettings;
  clock: Clock;
  logger: Logger;
  /** A group's state, generation or membership changed (held heartbeats of it run again). */
  onGroupChanged: (slot: ShardSlot, groupId: string) => void;
}

/** Runs one request through the shard under `requestId`; returns the shard's effects. */
export type ShardCall = (shard: CoordinatorShard, requestId: number, now: number) => Effects;

/**
 * One __consumer_offsets partition this broker leads, and the I/O around its pure shard: loads
 * the shard from the partition's log, completes requests with the shard's replies, appends its
 * records with acks=all through the replica manager, and runs its deadlines on one timer.
 * Closed when leadership leaves; a closed slot's writes fail with NOT_COORDINATOR.
 */
export class ShardSlot {
  /** Undefined while the partition is being loaded. */
  private loadedShard: CoordinatorShard | undefined;
  private open = true;
  private timer: Timer | undefined;
  private readonly waiting = new Map<number, (response: unknown) => void>();
  private nextRequestId = 1;

  constructor(
    readonly partition: number,
    readonly leaderEpoch: number,
    private readonly deps: ShardSlotDeps,
  ) {}

  /** Serving: loaded, and leadership has not left. */
  private get serving(): boolean {
    return this.open && this.loadedShard !== undefined;
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** The loaded shard (for reads that need no effects), or undefined while loading. */
  get shard(): CoordinatorShard | undefined {
    return this.loadedShard;
  }

  /** Runs a request through the loaded shard; resolves with the shard's reply to it. */
  call<T>(run: ShardCall): Promise<T> {
    return new Promise<T>((resolve) => this.send(run, resolve as (response: unknown) => void));
  }

  /** Runs a request through the loaded shard; `onReply` gets its reply synchronously when the shard emits it. */
  send(run: ShardCall, onReply: (response: unknown) => void): void {
    const requestId = this.nextRequestId++;
    this.waiting.set(requestId, onReply);
    this.apply(run(this.loadedShard!, requestId, this.deps.clock.now()));
  }

  /**
   * Replays the partition from its log start to its log end as of now (not just the high
   * watermark: this leader's own tail becomes committed, and on a new leader the high watermark
   * may still lag writes the old leader acknowledged). Yields between chunks.
   */
  async load(): Promise<void> {
    const { clock, config } = this.deps;
    const started = clock.now();
    const partition = this.deps.replicas.partition(GROUP_METADATA_TOPIC_NAME, this.partition);
    if (partition === undefined) throw new Error(`${GROUP_METADATA_TOPIC_NAME}-${this.partition} is not hosted here`);
    const shard = new CoordinatorShard(this.deps.settings);
    const end = partition.log.logEndOffset;
    let offset = partition.log.logStartOffset;
    let count = 0;
    while (offset < end) {
      const { records } = partition.log.read(offset, { maxBytes: config.offsetsLoadBufferSize, maxOffset: end });
      if (records.length === 0) break;
      const decoded = decodeCoordinatorRecords(records, offset);
      for (const { record } of decoded.records) shard.replay(record, clock.now());
      count += decoded.records.length;
      offset = decoded.nextOffset;
      await yieldToEventLoop();
      if (!this.open) return; // leadership moved meanwhile
    }
    shard.loaded(clock.now());
    this.loadedShard = shard;
    this.schedule();
    this.deps.logger.info({ partition: this.partition, leaderEpoch: this.leaderEpoch, records: count, ms: clock.now() - started }, 'loaded groups');
  }

  /** Leadership left: stops the timer, and the shard answers every waiting join and sync with NOT_COORDINATOR. */
  close(): void {
    this.open = false;
    this.timer?.cancel();
    this.timer = undefined;
    if (this.loadedShard !== undefined) this.apply(this.loadedShard.unload());
  }

  private apply(effects: Effects): void {
    for (const reply of effects.replies) {
      const resolve = this.waiting.get(reply.requestId);
      this.waiting.delete(reply.requestId);
      resolve?.(reply.response);
    }
    for (const write of effects.writes) this.append(write);
    this.schedule();
    for (const groupId of effects.changedGroups) this.deps.onGroupChanged(this, groupId);
  }

  private append(write: Write): void {
    const shard = this.loadedShard!;
    const { clock, config } = this.deps;
    const complete = (failure: WriteFailure | undefined) => this.apply(shard.writeCompleted(clock.now(), write.writeId, failure));
    if (!this.open) {
      complete({ code: 'NOT_COORDINATOR', message: `Broker ${config.nodeId} no longer leads ${GROUP_METADATA_TOPIC_NAME}-${this.partition}.` });
      return;
    }
    let records: Buffer;
    try {
      records = encodeCoordinatorRecords(write.records, clock.now());
    } catch (error) {
      complete({ code: 'UNKNOWN_SERVER_ERROR', message: toQuillError(error).message });
      return;
    }
    // produce() appends synchronously before its first await, so writes keep their order.
    this.deps.replicas.produce(GROUP_METADATA_TOPIC_NAME, this.partition, records, -1, config.offsetsCommitTimeoutMs).then(
      (result) => complete(result.error === undefined ? undefined : { code: result.error.code, message: result.error.message }),
      (error: unknown) => complete(toQuillError(error).toWire()),
    );
  }

  /** One timer per shard, at its earliest deadline. */
  private schedule(): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (!this.serving) return;
    const deadline = this.loadedShard!.nextDeadline();
    if (deadline === undefined) return;
    this.timer = this.deps.clock.setTimeout(
      () => {
        this.timer = undefined;
        if (this.open) this.apply(this.loadedShard!.tick(this.deps.clock.now()));
      },
      Math.max(0, deadline - this.deps.clock.now()),
    );
  }
}
