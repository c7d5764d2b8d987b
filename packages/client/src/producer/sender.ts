import { setMaxListeners } from 'node:events';
import { ErrorCode, QuillError, asQuillError, errorInfo, errorMessage, type ProducePartitionResponse__Output } from '@quill/proto';
import type { ClientContext } from '../context.js';
import { backoffDelay, isStaleMetadataError } from '../retry/index.js';
import type { RecordAccumulator } from './accumulator.js';
import type { BatchAck, Delivery } from './delivery.js';
import type { ProducerIdentityHolder } from './idempotence.js';
import { partitionKey, type BatchDraft } from './record-batch-draft.js';
import { Sequencer, type SequencedBatch } from './sequencer.js';

/** Abort listeners on the producer's signal: one per request in flight, so up to maxInFlightRequests per broker. */
const SIGNAL_LISTENERS_MAX = 10_000;
/** Kafka's retry.backoff.ms: the least time between two metadata refreshes the sender makes. */
const METADATA_REFRESH_BACKOFF_MS = 100;
/** Extra deadline over the broker-side produce timeout, so the broker answers before the client gives up. */
const PRODUCE_DEADLINE_MARGIN_MS = 5_000;
/** Answers that say the broker refused a batch before appending it (any other failed attempt may have landed). */
const REFUSED_BEFORE_APPEND: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.UNKNOWN_TOPIC_ID,
  ErrorCode.INCONSISTENT_TOPIC_ID,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.NOT_ENOUGH_REPLICAS,
  ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
]);

export interface SenderOptions {
  /** Produce requests per broker not yet answered (max.in.flight.requests.per.connection). */
  maxInFlightRequests: number;
  /** A request carries batches up to this many (estimated) bytes; at least one batch. */
  maxRequestSize: number;
  /** Set for an idempotent producer: acks=-1 batches carry its id and sequences. */
  identity: ProducerIdentityHolder | undefined;
  /** Called once per batch when it is acknowledged or failed for good (its bytes leave the buffer). */
  onBatchDone: (draft: BatchDraft) => void;
}

/**
 * A batch taken from the accumulator: encoded once, so every attempt sends the same bytes
 * (encoded anew only when it moves to a re-created topic of its name, with new sequences).
 */
interface OutgoingBatch extends SequencedBatch {
  readonly draft: BatchDraft;
  /** The topic it is for, from metadata when taken; Produce names it so no other topic of that name appends it. */
  topicId: string;
  bytes: Buffer;
  /** Retries made so far. */
  attempts: number;
  /** Some attempt may have been appended (no answer, or an error that can come after the append). */
  mayHaveLanded: boolean;
}

interface Candidate {
  key: string;
  retry: OutgoingBatch | undefined;
  /** Bytes the batch adds to a request (estimated for a batch not encoded yet). */
  size: number;
}

/**
 * Kafka's Sender: takes ready batches from the accumulator (and batches due for a retry), groups
 * them by leader into one Produce request per broker of at most `maxRequestSize`, keeps at most
 * `maxInFlightRequests` requests per broker in flight, and settles each batch's deliveries from
 * the answer: acknowledged, retried with backoff (in sequence order, see Sequencer), or failed.
 * Runs in passes, scheduled by appends, answers, flushes and timers (linger ends, retry backoffs).
 */
export class Sender {
  private readonly sequencer: Sequencer<OutgoingBatch>;
  private readonly deliveries = new Map<BatchDraft, Delivery[]>();
  private readonly inFlightRequests = new Map<number, number>();
  private passScheduled = false;
  private passRunning = false;
  private passAgain = false;
  private timer: NodeJS.Timeout | undefined;
  private timerAtMs = Number.POSITIVE_INFINITY;
  /** Flushes (and full-buffer waits) in progress: while any, batches go without lingering. */
  private urgent = 0;
  private idleWaiters: Array<() => void> = [];
  private identityWanted = false;
  private identityFailures = 0;
  private signal: AbortSignal | undefined;
  private lastRefreshAtMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly context: ClientContext,
    private readonly accumulator: RecordAccumulator,
    private readonly options: SenderOptions,
  ) {
    this.sequencer = new Sequencer(options.maxInFlightRequests);
  }

  /** The signal that cancels requests (the producer's connection). */
  start(signal: AbortSignal): void {
    this.signal = signal;
    // Every request in flight listens on it (maxInFlightRequests per broker): not a leak.
    setMaxListeners(SIGNAL_LISTENERS_MAX, signal);
  }

  /** `delivery` waits for `draft`. An idempotent acks=-1 draft makes sure a producer id is asked for. */
  track(draft: BatchDraft, delivery: Delivery): void {
    const list = this.deliveries.get(draft);
    if (list === undefined) this.deliveries.set(draft, [delivery]);
    else list.push(delivery);
    if (this.options.identity !== undefined && draft.settings.acks === -1) this.identityWanted = true;
  }

  /** Sends without lingering until `release()` (a flush or a full buffer is waiting). */
  urge(): void {
    this.urgent++;
    this.schedule();
  }

  release(): void {
    this.urgent--;
  }

  /** Resolves once nothing is buffered, in flight or waiting for a retry. */
  async idle(): Promise<void> {
    if (this.isIdle()) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Runs a pass soon (after the current synchronous appends, so they batch together). */
  schedule(): void {
    if (this.passScheduled) return;
    this.passScheduled = true;
    setImmediate(() => {
      this.passScheduled = false;
      void this.pass();
    });
  }

  /** Stops the timer; called after the final flush. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAtMs = Number.POSITIVE_INFINITY;
  }

  private isIdle(): boolean {
    return this.accumulator.isEmpty && this.sequencer.isIdle;
  }

  private async pass(): Promise<void> {
    if (this.passRunning) {
      this.passAgain = true;
      return;
    }
    this.passRunning = true;
    try {
      do {
        this.passAgain = false;
        await this.prepare();
        if (this.drain(this.context.now())) this.passAgain = true;
      } while (this.passAgain);
    } catch (error) {
      this.context.logger.error({ err: error }, 'producer sender pass failed');
    } finally {
      this.passRunning = false;
    }
    this.wakeIdleWaiters();
  }

  /** Before taking batches: fresh metadata when stale, a producer id when needed (a new one after a poisoned batch). */
  private async prepare(): Promise<void> {
    const { cluster, logger } = this.context;
    const nowMs = this.context.now();
    // At most one refresh per backoff: a topic missing from metadata keeps it stale, and passes are frequent.
    if (cluster.isStale() && nowMs - this.lastRefreshAtMs >= METADATA_REFRESH_BACKOFF_MS) {
      this.lastRefreshAtMs = nowMs;
      try {
        await cluster.refreshMetadataIfNecessary();
      } catch (error) {
        // Batches still go by the cached metadata; leaderless ones back off as failed attempts.
        logger.debug({ err: (error as Error).message }, 'metadata refresh before sending failed');
      }
    }
    const identity = this.options.identity;
    if (identity === undefined) return;
    if (this.sequencer.needsReset && this.sequencer.isIdle) {
      identity.reset();
      this.sequencer.reset();
      logger.warn('a batch failed for good: the producer starts over with a new producer id');
    }
    if (identity.current !== undefined || !this.identityWanted) return;
    try {
      await identity.ensure(this.signal);
      this.identityFailures = 0;
    } catch (error) {
      const quillError = asQuillError(error);
      this.identityFailures++;
      if (quillError.retriable && this.identityFailures <= this.context.retry.retries) {
        const delayMs = backoffDelay(this.context.retry, this.identityFailures - 1, this.context.random);
        logger.warn({ err: quillError.message, delayMs }, 'InitProducerId failed, retrying');
        this.wakeAt(this.context.now() + delayMs);
        return;
      }
      // Nothing idempotent can be sent without an id: fail what waits for one.
      this.identityFailures = 0;
      for (const draft of this.accumulator.takeAll()) this.settle(draft, quillError);
    }
  }

  /** One round of taking and sending; returns true when a request went out (another round may find more). */
  private drain(nowMs: number): boolean {
    const { cluster } = this.context;
    const identity = this.options.identity;
    const ready = this.accumulator.ready(nowMs, this.urgent > 0);
    const retries = this.sequencer.retries(nowMs);
    const paused = this.sequencer.needsReset;
    const byBroker = new Map<number, Candidate[]>();
    const consider = (key: string, retry: OutgoingBatch | undefined): void => {
      const draft = retry?.draft ?? this.accumulator.peek(key)!;
      let nodeId: number;
      try {
        nodeId = cluster.leaderFor(draft.topic, draft.partition).nodeId;
      } catch (error) {
        // No leader known: a failed attempt of this batch, retried after a backoff and a refresh.
        const batch = retry ?? this.takeNew(key);
        if (batch === undefined) return;
        this.sequencer.sent(batch);
        this.sequencer.answered(batch);
        this.onFailure(batch, asQuillError(error), nowMs);
        return;
      }
      const list = byBroker.get(nodeId) ?? [];
      list.push({ key, retry, size: retry?.bytes.length ?? draft.estimatedBytes });
      byBroker.set(nodeId, list);
    };
    for (const key of retries.due) {
      this.rebindIfRecreated(key, nowMs);
      const retry = this.sequencer.dueRetry(key, nowMs);
      if (retry !== undefined) consider(key, retry);
    }
    if (!paused) {
      for (const key of ready.keys) {
        const draft = this.accumulator.peek(key)!;
        if (retries.due.includes(key) || !this.sequencer.canSendNew(key, this.topicIdFor(key, draft.topic))) continue;
        if (identity !== undefined && draft.settings.acks === -1 && identity.current === undefined) continue;
        consider(key, undefined);
      }
    }
    let sent = false;
    for (const [nodeId, candidates] of byBroker) {
      let remaining = candidates;
      while (remaining.length > 0 && (this.inFlightRequests.get(nodeId) ?? 0) < this.options.maxInFlightRequests) {
        const { request, rest } = this.fillRequest(remaining);
        remaining = rest;
        if (request.length === 0) continue;
        void this.sendRequest(nodeId, request);
        sent = true;
      }
    }
    const nextAtMs = Math.min(ready.nextReadyAtMs ?? Number.POSITIVE_INFINITY, retries.nextDueAtMs ?? Number.POSITIVE_INFINITY);
    if (Number.isFinite(nextAtMs)) this.wakeAt(nextAtMs);
    return sent;
  }

  /** Batches for one request: the first candidate's acks and timeout, up to maxRequestSize. */
  private fillRequest(candidates: Candidate[]): { request: OutgoingBatch[]; rest: Candidate[] } {
    const request: OutgoingBatch[] = [];
    const rest: Candidate[] = [];
    const first = candidates[0]!;
    const settings = (first.retry?.draft ?? this.accumulator.peek(first.key)!).settings;
    let size = 0;
    for (const candidate of candidates) {
      const candidateSettings = (candidate.retry?.draft ?? this.accumulator.peek(candidate.key)!).settings;
      const fits = request.length === 0 || size + candidate.size <= this.options.maxRequestSize;
      if (!fits || candidateSettings.acks !== settings.acks || candidateSettings.timeoutMs !== settings.timeoutMs) {
        rest.push(candidate);
        continue;
      }
      const batch = candidate.retry ?? this.takeNew(candidate.key);
      if (batch === undefined) continue;
      request.push(batch);
      size += batch.bytes.length;
    }
    return { request, rest };
  }

  /**
   * The topic id a new batch of the partition is for: the one metadata names now, else (topic
   * missing from metadata for the moment) the one its sequences belong to, else none yet ("").
   */
  private topicIdFor(key: string, topic: string): string {
    const { cluster } = this.context;
    const named = cluster.isConnected ? cluster.snapshot().topics.get(topic) : undefined;
    if (named !== undefined && named.errorCode === ErrorCode.NONE && named.topicId !== '') return named.topicId;
    return this.sequencer.topicIdOf(key) ?? '';
  }

  /** Takes a partition's first batch and encodes it (with its sequences, when idempotent). */
  private takeNew(key: string): OutgoingBatch | undefined {
    const draft = this.accumulator.take(key);
    const topicId = this.topicIdFor(key, draft.topic);
    const previous = this.sequencer.topicIdOf(key);
    this.sequencer.bind(key, topicId);
    if (previous !== undefined && previous !== '' && previous !== topicId) {
      this.context.logger.info({ partition: describe(draft), topicId, previous }, 'topic re-created: its sequences start again at 0');
    }
    const batch: OutgoingBatch = { id: draft.id, key, topicId, baseSequence: -1, draft, bytes: Buffer.alloc(0), attempts: 0, mayHaveLanded: false };
    return this.encode(batch) ? batch : undefined;
  }

  /**
   * Encodes the batch with new sequences when idempotent; false when encoding failed (a codec
   * error: the batch failed, its sequences are spent).
   */
  private encode(batch: OutgoingBatch): boolean {
    const { draft } = batch;
    const identity = draft.settings.acks === -1 ? this.options.identity?.current : undefined;
    batch.baseSequence = identity === undefined ? -1 : this.sequencer.assignSequence(batch.key, draft.builder.recordCount);
    try {
      batch.bytes = draft.builder.build({
        compression: draft.settings.compression,
        ...(identity === undefined ? {} : { producerId: identity.producerId, producerEpoch: identity.producerEpoch, baseSequence: batch.baseSequence }),
      });
      return true;
    } catch (error) {
      this.fail(batch, new QuillError(ErrorCode.INVALID_RECORD, `encoding a batch for ${describe(draft)} failed: ${errorMessage(error)}`, { cause: error }));
      return false;
    }
  }

  /**
   * When metadata says the partition's topic name now denotes another topic id than the one its
   * waiting batches are for (deleted and re-created), those batches are settled by where they can
   * be: one that may have been appended to the deleted topic fails (writing it to the new topic
   * too could duplicate what a reader of the old one saw); one every attempt of which was
   * refused before an append goes to the new topic, with sequences from 0.
   */
  private rebindIfRecreated(key: string, nowMs: number): void {
    const waiting = this.sequencer.dueRetry(key, nowMs);
    if (waiting === undefined) return;
    const topicId = this.topicIdFor(key, waiting.draft.topic);
    if (topicId === waiting.topicId) return;
    // "" is no topic yet (batches taken while the topic was missing from metadata, never sent).
    if (waiting.topicId !== '') {
      this.context.logger.info({ partition: describe(waiting.draft), topicId, previous: waiting.topicId }, 'topic re-created while batches waited: its sequences start again at 0');
    }
    for (const batch of this.sequencer.rebind(key, topicId)) {
      if (batch.mayHaveLanded) {
        const error = new QuillError(
          ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          `producing to ${describe(batch.draft)} failed: the topic (id ${batch.topicId}) was deleted before the batch was acknowledged, ` +
            `and it may have been written to it; it was not written to the topic of that name created since (id ${topicId})`,
        );
        this.settle(batch.draft, error);
        continue;
      }
      batch.topicId = topicId;
      if (this.encode(batch)) this.sequencer.retryLater(batch, nowMs);
    }
  }

  private async sendRequest(nodeId: number, batches: OutgoingBatch[]): Promise<void> {
    const { cluster, requestTimeoutMs } = this.context;
    for (const batch of batches) this.sequencer.sent(batch);
    this.inFlightRequests.set(nodeId, (this.inFlightRequests.get(nodeId) ?? 0) + 1);
    const settings = batches[0]!.draft.settings;
    const topics = new Map<string, { name: string; topicId: string; partitions: Array<{ partition: number; records: Buffer }> }>();
    for (const batch of batches) {
      const topicKey = `${batch.draft.topic}\u0000${batch.topicId}`;
      let topic = topics.get(topicKey);
      if (topic === undefined) topics.set(topicKey, (topic = { name: batch.draft.topic, topicId: batch.topicId, partitions: [] }));
      topic.partitions.push({ partition: batch.draft.partition, records: batch.bytes });
    }
    let answers: Map<string, ProducePartitionResponse__Output> | undefined;
    let failure: QuillError | undefined;
    try {
      const response = await cluster.connectionTo(nodeId).streamRequest(
        'Produce',
        { acks: settings.acks, timeoutMs: settings.timeoutMs, topics: [...topics.values()] },
        { timeoutMs: Math.max(requestTimeoutMs, settings.timeoutMs + PRODUCE_DEADLINE_MARGIN_MS), ...(this.signal ? { signal: this.signal } : {}) },
      );
      answers = new Map();
      for (const topic of response.topics) {
        for (const partition of topic.partitions) answers.set(partitionKey(topic.name, partition.partition), partition);
      }
    } catch (error) {
      failure = asQuillError(error);
    }
    this.inFlightRequests.set(nodeId, this.inFlightRequests.get(nodeId)! - 1);
    const nowMs = this.context.now();
    for (const batch of batches) this.sequencer.answered(batch);
    for (const batch of batches) {
      const outcome = failure ?? toOutcome(nodeId, batch.draft, answers!.get(batch.key));
      if (outcome instanceof QuillError) {
        if (failure !== undefined || !REFUSED_BEFORE_APPEND.has(outcome.code)) batch.mayHaveLanded = true;
        this.onFailure(batch, outcome, nowMs);
      } else {
        this.sequencer.acknowledged(batch);
        this.settle(batch.draft, outcome);
      }
    }
    this.schedule();
  }

  /** A failed attempt: retried (in order) while retriable and retries remain, else failed for good. */
  private onFailure(batch: OutgoingBatch, error: QuillError, nowMs: number): void {
    const { cluster, logger, retry, random } = this.context;
    if (isStaleMetadataError(error)) cluster.markStale(error.code);
    if (error.code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER && batch.baseSequence >= 0 && this.sequencer.mayHaveOvertaken(batch)) {
      // It reached the broker before an older batch of its partition: it goes again after that one.
      this.sequencer.retryLater(batch, nowMs);
      this.wakeAt(nowMs);
      return;
    }
    if (error.retriable && batch.attempts < retry.retries && this.signal?.aborted !== true) {
      const delayMs = backoffDelay(retry, batch.attempts, random);
      batch.attempts++;
      logger.warn({ err: error.message, code: error.code, partition: describe(batch.draft), retryCount: batch.attempts, delayMs }, 'produce failed, retrying');
      this.sequencer.retryLater(batch, nowMs + delayMs);
      // A failure found while draining (no leader known) comes after drain's own wake-up time was taken.
      this.wakeAt(nowMs + delayMs);
      return;
    }
    const message = `producing to ${describe(batch.draft)} failed: ${error.message}${error.retriable ? ` (gave up after ${batch.attempts} retries)` : ''}`;
    this.fail(batch, new QuillError(error.code, message, { cause: error }));
  }

  /** Fails a batch for good; with idempotence, its partition's newer waiting batches too (they can never be appended). */
  private fail(batch: OutgoingBatch, error: QuillError): void {
    const doomed = this.sequencer.failed(batch);
    this.settle(batch.draft, error);
    for (const later of doomed) {
      this.settle(later.draft, new QuillError(error.code, `an older batch of ${describe(later.draft)} failed for good: ${error.message}`, { cause: error }));
    }
    if (batch.baseSequence >= 0) this.context.logger.warn({ partition: describe(batch.draft), code: error.code }, 'idempotent batch failed for good; the producer id will be reset');
  }

  private settle(draft: BatchDraft, outcome: BatchAck | QuillError): void {
    const deliveries = this.deliveries.get(draft) ?? [];
    this.deliveries.delete(draft);
    this.options.onBatchDone(draft);
    for (const delivery of deliveries) {
      if (outcome instanceof QuillError) delivery.failed(outcome);
      else delivery.acknowledged(draft, outcome);
    }
  }

  private wakeAt(atMs: number): void {
    if (atMs >= this.timerAtMs) return;
    clearTimeout(this.timer);
    this.timerAtMs = atMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAtMs = Number.POSITIVE_INFINITY;
      this.schedule();
    }, Math.max(0, atMs - this.context.now()));
  }

  private wakeIdleWaiters(): void {
    if (this.idleWaiters.length === 0 || !this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}

function describe(draft: BatchDraft): string {
  return `${draft.topic}-${draft.partition}`;
}

function toOutcome(nodeId: number, draft: BatchDraft, answer: ProducePartitionResponse__Output | undefined): BatchAck | QuillError {
  if (draft.settings.acks === 0) {
    // The broker answers at once without results: nothing to read, nothing to retry.
    return { baseOffset: -1, logAppendTime: -1, logStartOffset: -1 };
  }
  if (!answer) {
    return new QuillError(ErrorCode.UNKNOWN_SERVER_ERROR, `broker ${nodeId} answered without a result for ${describe(draft)}`);
  }
  const info = errorInfo(answer.errorCode);
  if (info.name !== ErrorCode.NONE) return new QuillError(info.name, answer.errorMessage || info.message);
  return { baseOffset: answer.baseOffset, logAppendTime: answer.logAppendTimeMs, logStartOffset: answer.logStartOffset };
}
