import { asQuillError, errorMessage } from '@quill/proto';
import { ClusterSession } from '../cluster/cluster-session.js';
import type { ClientContext } from '../context.js';
import { QuillStateError } from '../errors.js';
import { checkOptions } from '../options/index.js';
import type { GroupSettings } from '../group/types.js';
import { ConsumerEventBus } from './consumer-event-bus.js';
import { Fetcher, type FetcherOptions } from './fetcher.js';
import { GroupBinding } from './group-binding.js';
import { HandlersInFlight } from './handlers-in-flight.js';
import { iterateMessages } from './message-iterator.js';
import { commitPolicy } from './offset-committer.js';
import type { Reader } from './reader.js';
import { RecordView } from './record-view.js';
import { RUN_OPTIONS } from './run-options.js';
import { RunLoop, type RunLoopParts } from './run-loop.js';
import { SubscriptionState } from './subscription-state.js';
import {
  ConsumerEventNames,
  type ConsumedMessage,
  type ConsumerEvents,
  type ConsumerRunConfig,
  type ConsumerSubscribeTopics,
  type TopicPartition,
  type TopicPartitionOffset,
  type TopicPartitionOffsetCommit,
} from './types.js';

/** Bound on partitions handled at once (partitionsConsumedConcurrently). */
const PARTITIONS_CONSUMED_CONCURRENTLY_MAX = 1_000;

/**
 * Reads partitions: those it is given with `assign()`, or, with a `groupId`, those its
 * consumer group assigns it after `subscribe()`. In a group it commits processed offsets
 * (automatically, or with `commitOffsets`), heartbeats on its own timer, follows
 * rebalances (eager or cooperative, by assignor) and leaves the group on `disconnect()`.
 *
 * The work is done by its parts: the Fetcher fetches, the RecordView turns fetched data into
 * messages and keeps positions, the RunLoop or the message iterator hands messages out, and in
 * a group the GroupBinding follows the group and its OffsetCommitter commits.
 *
 * @example
 * const consumer = quill.consumer({ groupId: 'billing' });
 * await consumer.connect();
 * await consumer.subscribe({ topics: ['orders'], fromBeginning: true });
 * await consumer.run({ eachMessage: async ({ message }) => handle(message.value) });
 * // ... later: commits what was processed and leaves the group
 * await consumer.disconnect();
 */
export class Consumer {
  /** Event names, for `on` (KafkaJS's `consumer.events`). */
  readonly events = ConsumerEventNames;
  private readonly context: ClientContext;
  private readonly subscriptions = new SubscriptionState();
  private readonly fetcher: Fetcher;
  private readonly eventBus: ConsumerEventBus;
  private readonly session: ClusterSession;
  private readonly inFlight: HandlersInFlight;
  /** Present for a group consumer. */
  private readonly group: GroupBinding | undefined;
  private readonly view: RecordView;
  /** Set while run() or messages() reads; one reader at a time. */
  private reader: Reader | undefined;
  private runLoop: Promise<void> | undefined;

  /** @internal Use `quill.consumer()`. */
  constructor(context: ClientContext, options: FetcherOptions, group?: GroupSettings) {
    this.context = context;
    this.session = new ClusterSession(context, 'consumer');
    this.fetcher = new Fetcher(context, this.subscriptions, options);
    this.eventBus = new ConsumerEventBus(context.logger);
    this.inFlight = new HandlersInFlight(context.now);
    this.group = group
      ? new GroupBinding({ context, settings: group, subscriptions: this.subscriptions, inFlight: this.inFlight, events: this.eventBus })
      : undefined;
    this.view = new RecordView(this.subscriptions, this.group?.committer);
  }

  /** Connects to the cluster (bootstraps metadata). Retries with backoff; rejects when retries run out. */
  async connect(): Promise<void> {
    await this.session.connect();
  }

  /**
   * Stops reading: cancels fetches in flight, waits for a running handler to finish, ends
   * `messages()` iterators and closes every connection. In a group it first commits what was
   * processed (with autoCommit) and leaves the group (LeaveGroup; static members stay, so a
   * restart within the session timeout keeps their partitions). Outside a group positions
   * are kept, so the consumer may connect and run again.
   */
  async disconnect(): Promise<void> {
    await this.session.disconnect(async () => {
      await this.runLoop;
      await this.group?.leave('the consumer is disconnecting');
      // An iterator parked at a yield ends on its next call; it no longer blocks a new reader.
      this.reader = undefined;
      this.fetcher.reset();
    });
  }

  /**
   * Subscribes the group member to topics: names, or RegExps matched against the cluster's
   * topics each time the group rebalances. Call before `run()`; calling it while running
   * makes the member rejoin with the new subscription. Needs `groupId`.
   *
   * @example
   * await consumer.subscribe({ topics: ['orders', /^audit-.+/], fromBeginning: true });
   */
  async subscribe(subscription: ConsumerSubscribeTopics): Promise<void> {
    if (!this.group) throw new QuillStateError('subscribe needs a consumer group: pass groupId to quill.consumer(), or use assign()');
    const topics = [...(subscription.topics ?? []), ...(subscription.topic !== undefined ? [subscription.topic] : [])];
    if (topics.length === 0) throw new RangeError('subscribe needs at least one topic (topics: [...] or topic)');
    this.group.subscribe(topics, subscription.fromBeginning ?? false);
  }

  /**
   * Reads exactly these partitions from now on, each from its offset: a number, or 'earliest' /
   * 'latest' (looked up with ListOffsets). Replaces any earlier assignment. Not for group
   * consumers, whose partitions come from the group.
   */
  assign(partitions: readonly TopicPartitionOffset[]): void {
    if (this.group) throw new QuillStateError('a group consumer gets its partitions from the group: use subscribe()');
    this.subscriptions.assign(partitions);
    this.context.logger.debug({ partitions: partitions.map((p) => `${p.topic}-${p.partition}@${p.offset}`) }, 'assigned');
  }

  /** The partitions assigned to this consumer. */
  assignment(): TopicPartition[] {
    return this.subscriptions.assigned();
  }

  /**
   * Moves an assigned partition's position: the next message handed out is the one at `offset`
   * (or the first at or after it). Data already fetched for the old position is dropped. In a
   * group, a numeric offset also becomes the offset the next commit stores, as in KafkaJS.
   * Throws QuillStateError when the partition is not assigned.
   */
  seek(partition: TopicPartitionOffset): void {
    this.view.seek(partition);
  }

  /** The next offset this consumer will read from a partition, or undefined while not yet known. */
  position(topic: string, partition: number): number | undefined {
    return this.view.position(topic, partition);
  }

  /**
   * Stops fetching these partitions. Messages already handed to the reader (the rest of the
   * current fetch answer) still come; data fetched ahead and not handed out yet is dropped and
   * fetched again from the position after `resume`.
   */
  pause(partitions: readonly TopicPartition[]): void {
    this.view.pause(partitions);
  }

  /** Fetches paused partitions again. */
  resume(partitions: readonly TopicPartition[]): void {
    this.view.resume(partitions);
  }

  /** The paused partitions among the assigned ones. */
  paused(): TopicPartition[] {
    return this.view.paused();
  }

  /**
   * Commits offsets for the group: the given ones (each the next offset to consume, i.e. the
   * last processed + 1, as KafkaJS takes them), or, without an argument, everything processed
   * and not yet committed. Rejects with the coordinator's error (REBALANCE_IN_PROGRESS, for
   * instance, when the partitions were reassigned meanwhile). Needs `groupId`.
   *
   * @example
   * await consumer.commitOffsets([{ topic, partition, offset: Number(message.offset) + 1 }]);
   */
  async commitOffsets(offsets?: readonly TopicPartitionOffsetCommit[]): Promise<void> {
    if (!this.group) throw new QuillStateError('commitOffsets needs a consumer group: pass groupId to quill.consumer()');
    return this.group.committer.commitOffsets(offsets, this.session.signal());
  }

  /**
   * Listens to a consumer event. Returns a function that removes the listener.
   *
   * @example
   * consumer.on(consumer.events.CRASH, ({ error }) => logger.error(error));
   */
  on<E extends keyof ConsumerEvents>(event: E, listener: (payload: ConsumerEvents[E]) => void): () => void {
    return this.eventBus.on(event, listener);
  }

  /**
   * Starts handing messages to `eachMessage` (or `eachBatch`), in offset order per partition,
   * and resolves once the loop is started; in a group it also joins the group. A message
   * counts as processed when its handler resolves; a handler that throws gets the same
   * message again after a backoff, and after `retry.retries` failures in a row the consumer
   * stops and emits `consumer.crash`.
   */
  async run(given: ConsumerRunConfig): Promise<void> {
    const config = checkOptions(RUN_OPTIONS, given);
    if ((config.eachMessage === undefined) === (config.eachBatch === undefined)) {
      throw new RangeError('run needs exactly one of eachMessage and eachBatch');
    }
    const concurrency = config.partitionsConsumedConcurrently ?? 1;
    if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > PARTITIONS_CONSUMED_CONCURRENTLY_MAX) {
      throw new RangeError(`partitionsConsumedConcurrently must be an integer in 1..${PARTITIONS_CONSUMED_CONCURRENTLY_MAX}`);
    }
    const policy = commitPolicy(config);
    const reader = this.claimReader('run');
    this.group?.committer.setPolicy(policy);
    this.startGroup(reader);
    const loop = new RunLoop(this.readerParts(), config, concurrency, reader);
    this.runLoop = loop
      .run()
      .catch((error: unknown) => this.context.logger.error({ err: errorMessage(error) }, 'consumer loop failed'))
      .finally(() => {
        this.releaseReader(reader);
        this.runLoop = undefined;
      });
  }

  /**
   * The messages of the assigned partitions as an async iterator, an alternative to `run`. A
   * message counts as processed when the next one is asked for, so leaving the loop early means
   * the last message is delivered again by the next iterator (or, in a group, by the next
   * owner of the partition). Ends on `disconnect()`; throws a non-retriable error (for example
   * OFFSET_OUT_OF_RANGE with autoOffsetReset 'none'). In a group it joins the group and
   * auto-commits (every 5 s).
   *
   * @example
   * for await (const message of consumer.messages()) await handle(message.offset, message.value);
   */
  messages(): AsyncIterableIterator<ConsumedMessage> {
    const reader = this.claimReader('iterator');
    this.group?.committer.setPolicy(commitPolicy({}));
    this.startGroup(reader);
    return iterateMessages(this.readerParts(), reader, () => this.releaseReader(reader));
  }

  /** Same as `messages()`. */
  [Symbol.asyncIterator](): AsyncIterableIterator<ConsumedMessage> {
    return this.messages();
  }

  private readerParts(): RunLoopParts {
    return {
      context: this.context,
      fetcher: this.fetcher,
      view: this.view,
      inFlight: this.inFlight,
      committer: this.group?.committer,
      crash: (error) => this.crash(error),
    };
  }

  private claimReader(kind: Reader['kind']): Reader {
    const sessionSignal = this.session.signal();
    if (this.reader) throw new QuillStateError(`the consumer is already reading (${this.reader.kind}); one reader at a time`);
    if (this.group && !this.group.subscribed) throw new QuillStateError('subscribe to topics before reading');
    const stop = new AbortController();
    const reader: Reader = { kind, signal: AbortSignal.any([sessionSignal, stop.signal]), stop };
    this.reader = reader;
    return reader;
  }

  private releaseReader(reader: Reader): void {
    if (this.reader === reader) this.reader = undefined;
  }

  /** Joins the group in the background (once per connection); a fatal group error crashes the consumer. */
  private startGroup(reader: Reader): void {
    this.group?.start(this.session.signal(), (error) => {
      this.crash(error);
      reader.stop.abort();
    });
  }

  /** Reports the crash; a group member also leaves the group, so its partitions go to the others. */
  private crash(error: unknown): void {
    // A handler's own Error is handed on as it is, as KafkaJS does; only a thrown non-Error is wrapped.
    const failure = error instanceof Error ? error : asQuillError(error);
    this.context.logger.error({ err: failure.message }, 'consumer crashed');
    this.eventBus.emit(ConsumerEventNames.CRASH, { error: failure, groupId: this.group?.groupId });
    void this.group?.leave('the consumer crashed').catch((leaveError: unknown) =>
      this.context.logger.warn({ err: errorMessage(leaveError) }, 'leaving the group after a crash failed'),
    );
  }
}
