import { ErrorCode, QuillError, errorInfo, type ProducePartitionResponse__Output } from '@quill/proto';
import { encodeBatch, type CompressionType, type RecordInput } from '@quill/records';
import { retryContext, type ClientContext } from '../context.js';
import { isStaleMetadataError, retry } from '../retry/index.js';
import type { IdempotentState, ProducerIdentity } from './idempotence.js';
import type { Acks, Message, MessageHeaders, Partitioner, RecordMetadata, TopicMessages } from './types.js';

/** Extra deadline over the broker-side produce timeout, so the broker answers before the client gives up. */
const PRODUCE_DEADLINE_MARGIN_MS = 5_000;
const ACKS: ReadonlySet<number> = new Set([-1, 0, 1]);

/** What one `send`/`sendBatch` call asks for, with defaults applied. */
export interface SendRequest {
  topicMessages: readonly TopicMessages[];
  acks: Acks;
  timeoutMs: number;
  compression: CompressionType;
  /** Set for an idempotent producer (acks=-1 only): batches carry its id and sequences. */
  idempotence?: IdempotentState | undefined;
}

/**
 * The records of one partition for one send: encoded once into a RecordBatch, so a retry sends
 * the very same bytes (which idempotent producers will rely on).
 */
interface PartitionBatch {
  topic: string;
  partition: number;
  batch: Buffer;
  recordCount: number;
  /** Idempotent batches: settles when the partition's previous batch is done; sent only after. */
  previous?: Promise<void>;
  /** Idempotent batches: marks this batch done (acknowledged or failed for good). */
  done?: () => void;
}

interface PartitionFailure {
  batch: PartitionBatch;
  error: QuillError;
}

function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** Checks what types cannot: acks, timeout, topics and values. Throws a non-retriable QuillError. */
export function validateSendRequest(request: SendRequest): void {
  if (!ACKS.has(request.acks)) {
    throw new QuillError(ErrorCode.INVALID_REQUIRED_ACKS, `acks must be -1 (all), 0 or 1, got ${String(request.acks)}`);
  }
  if (!Number.isInteger(request.timeoutMs) || request.timeoutMs < 0) {
    throw new QuillError(ErrorCode.INVALID_REQUEST, `timeout must be a non-negative integer (ms), got ${request.timeoutMs}`);
  }
  if (request.topicMessages.length === 0) {
    throw new QuillError(ErrorCode.INVALID_REQUEST, 'nothing to send: topicMessages is empty');
  }
  for (const { topic, messages } of request.topicMessages) {
    if (typeof topic !== 'string' || topic === '') {
      throw new QuillError(ErrorCode.INVALID_TOPIC_EXCEPTION, `invalid topic name ${JSON.stringify(topic)}`);
    }
    if (!Array.isArray(messages) || messages.length === 0) {
      throw new QuillError(ErrorCode.INVALID_REQUEST, `no messages to send to topic "${topic}"`);
    }
    messages.forEach((message, index) => {
      if (message.value === undefined) {
        throw new QuillError(
          ErrorCode.INVALID_RECORD,
          `message ${index} for topic "${topic}" has no value (use null for a tombstone)`,
        );
      }
      const partition = message.partition;
      if (partition !== undefined && (!Number.isInteger(partition) || partition < 0)) {
        throw new QuillError(ErrorCode.INVALID_REQUEST, `message ${index} for topic "${topic}" has partition ${partition}`);
      }
    });
  }
}

function toRecordHeaders(headers: MessageHeaders | undefined): RecordInput['headers'] {
  if (!headers) return undefined;
  const out: Array<{ key: string; value: Buffer | string | null }> = [];
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) out.push({ key, value: v });
    else out.push({ key, value });
  }
  return out;
}

function toTimestamp(timestamp: number | string | undefined, now: number): number {
  if (timestamp === undefined) return now;
  const value = typeof timestamp === 'string' ? Number(timestamp) : timestamp;
  if (!Number.isSafeInteger(value)) {
    throw new QuillError(ErrorCode.INVALID_TIMESTAMP, `timestamp ${String(timestamp)} is not an integer of ms`);
  }
  return value;
}

/**
 * Assigns every message of `topic` to a partition (explicit partition first, then the
 * partitioner) and encodes one batch per partition. Throws UNKNOWN_TOPIC_OR_PARTITION
 * (retriable) when the topic or an explicit partition is not in metadata yet.
 */
function buildBatches(
  context: ClientContext,
  partitioner: Partitioner,
  { topic, messages }: TopicMessages,
  compression: CompressionType,
  idempotent: { identity: ProducerIdentity; state: IdempotentState } | undefined,
): PartitionBatch[] {
  const partitionMetadata = context.cluster.partitionsFor(topic);
  const now = context.now();
  const byPartition = new Map<number, RecordInput[]>();
  for (const message of messages) {
    const partition = message.partition ?? partitioner({ topic, partitionMetadata, message });
    if (!partitionMetadata.some((p) => p.partitionId === partition)) {
      throw new QuillError(
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        `topic "${topic}" has no partition ${partition} (it has ${partitionMetadata.length})`,
      );
    }
    const records = byPartition.get(partition) ?? [];
    records.push(toRecordInput(message, now));
    byPartition.set(partition, records);
  }
  return [...byPartition].map(([partition, records]): PartitionBatch => {
    if (idempotent === undefined) {
      return { topic, partition, batch: encodeBatch(records, { compression }), recordCount: records.length };
    }
    const { baseSequence, previous, done } = idempotent.state.reserve(topic, partition, records.length);
    const batch = encodeBatch(records, {
      compression,
      producerId: idempotent.identity.producerId,
      producerEpoch: idempotent.identity.producerEpoch,
      baseSequence,
    });
    return { topic, partition, batch, recordCount: records.length, previous, done };
  });
}

function toRecordInput(message: Message, now: number): RecordInput {
  return {
    key: message.key ?? null,
    value: message.value,
    headers: toRecordHeaders(message.headers),
    timestamp: toTimestamp(message.timestamp, now),
  };
}

/**
 * Produces the messages: one RecordBatch per partition, one Produce request per leader broker
 * (brokers in parallel). Partitions that fail with a retriable error are retried, alone, with
 * backoff and a metadata refresh when the error says metadata is stale; a non-retriable error
 * is thrown at once. Resolves with one RecordMetadata per partition, in order of first appearance.
 */
export async function sendMessages(
  context: ClientContext,
  partitioner: Partitioner,
  request: SendRequest,
  signal?: AbortSignal,
): Promise<RecordMetadata[]> {
  validateSendRequest(request);
  const { cluster, logger } = context;
  const pending = new Map<string, PartitionBatch>();
  const order: string[] = [];
  const results = new Map<string, RecordMetadata>();
  // One entry per topic: sendBatch may name a topic twice.
  const topicsToBuild = new Map<string, Message[]>();
  for (const { topic, messages } of request.topicMessages) {
    topicsToBuild.set(topic, [...(topicsToBuild.get(topic) ?? []), ...messages]);
  }

  const attempt = async (): Promise<RecordMetadata[]> => {
    await cluster.addTargetTopics(topicsToBuild.keys());
    await cluster.refreshMetadataIfNecessary();
    const idempotent = request.idempotence === undefined ? undefined : { identity: await request.idempotence.ensureIdentity(signal), state: request.idempotence };
    // Partitions (and sequences) are chosen once, the first time a topic's metadata is known, so
    // a retry never moves a message to another partition and resends the same bytes.
    for (const [topic, messages] of topicsToBuild) {
      for (const batch of buildBatches(context, partitioner, { topic, messages }, request.compression, idempotent)) {
        const key = partitionKey(batch.topic, batch.partition);
        pending.set(key, batch);
        order.push(key);
      }
      topicsToBuild.delete(topic);
    }
    const failures = await produceToLeaders(context, request, pending, results, signal);
    if (failures.length === 0) return order.map((key) => results.get(key)!);
    const fatal = failures.find((f) => !f.error.retriable);
    const chosen = fatal ?? failures[0]!;
    if (failures.some((f) => isStaleMetadataError(f.error))) cluster.markStale(chosen.error.code);
    throw new QuillError(
      chosen.error.code,
      `producing to ${chosen.batch.topic}-${chosen.batch.partition} failed: ${chosen.error.message}` +
        (failures.length > 1 ? ` (and ${failures.length - 1} more partitions)` : ''),
      { cause: chosen.error },
    );
  };

  try {
    return await retry(
      attempt,
      context.retry,
      retryContext(context, signal, ({ error, retryCount, delayMs }) => {
        logger.warn(
          { err: error.message, code: error.code, retryCount, delayMs, partitions: pending.size },
          'produce failed, retrying',
        );
      }),
    );
  } catch (error) {
    // Sequences reserved for batches that never made it would leave a gap: start over.
    if (pending.size > 0) request.idempotence?.reset();
    for (const batch of pending.values()) batch.done?.();
    throw error;
  }
}

/**
 * Sends every pending batch to its partition's leader, one request per broker, in parallel.
 * Successful partitions move from `pending` to `results`; the failures are returned.
 */
async function produceToLeaders(
  context: ClientContext,
  request: SendRequest,
  pending: Map<string, PartitionBatch>,
  results: Map<string, RecordMetadata>,
  signal: AbortSignal | undefined,
): Promise<PartitionFailure[]> {
  const failures: PartitionFailure[] = [];
  const byLeader = new Map<number, Array<[string, PartitionBatch]>>();
  for (const entry of pending) {
    const [, batch] = entry;
    try {
      const leader = context.cluster.leaderFor(batch.topic, batch.partition);
      const list = byLeader.get(leader.nodeId) ?? [];
      list.push(entry);
      byLeader.set(leader.nodeId, list);
    } catch (error) {
      failures.push({ batch, error: asQuillError(error) });
    }
  }
  const timeoutMs = Math.max(context.requestTimeoutMs, request.timeoutMs + PRODUCE_DEADLINE_MARGIN_MS);
  await Promise.all(
    [...byLeader].map(async ([nodeId, entries]) => {
      try {
        const answers = await produceToBroker(context, nodeId, request, entries, timeoutMs, signal);
        for (const [key, batch] of entries) {
          const answer = answers.get(partitionKey(batch.topic, batch.partition));
          const outcome = toOutcome(nodeId, batch, answer, request.acks);
          if (outcome instanceof QuillError) {
            failures.push({ batch, error: outcome });
          } else {
            results.set(key, outcome);
            pending.delete(key);
            batch.done?.();
          }
        }
      } catch (error) {
        const quillError = asQuillError(error);
        for (const [, batch] of entries) failures.push({ batch, error: quillError });
      }
    }),
  );
  return failures;
}

/** One Produce request to one broker; returns the per-partition answers by partition key. */
async function produceToBroker(
  context: ClientContext,
  nodeId: number,
  request: SendRequest,
  entries: ReadonlyArray<[string, PartitionBatch]>,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<Map<string, ProducePartitionResponse__Output>> {
  // Idempotence: a partition's batches go one at a time, in sequence order.
  await Promise.all(entries.map(([, batch]) => batch.previous));
  const topics = new Map<string, Array<{ partition: number; records: Buffer }>>();
  for (const [, batch] of entries) {
    const partitions = topics.get(batch.topic) ?? [];
    partitions.push({ partition: batch.partition, records: batch.batch });
    topics.set(batch.topic, partitions);
  }
  const connection = context.cluster.connectionTo(nodeId);
  const response = await connection.request(
    'Produce',
    {
      acks: request.acks,
      timeoutMs: request.timeoutMs,
      topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
    },
    { timeoutMs, ...(signal ? { signal } : {}) },
  );
  const answers = new Map<string, ProducePartitionResponse__Output>();
  for (const topic of response.topics) {
    for (const partition of topic.partitions) answers.set(partitionKey(topic.name, partition.partition), partition);
  }
  return answers;
}

function toOutcome(
  nodeId: number,
  batch: PartitionBatch,
  answer: ProducePartitionResponse__Output | undefined,
  acks: Acks,
): RecordMetadata | QuillError {
  if (acks === 0) {
    // The broker answers at once without results: nothing to read, nothing to retry.
    return { topicName: batch.topic, partition: batch.partition, errorCode: 0, baseOffset: -1, logAppendTime: -1, logStartOffset: -1 };
  }
  if (!answer) {
    return new QuillError(
      ErrorCode.UNKNOWN_SERVER_ERROR,
      `broker ${nodeId} answered without a result for ${batch.topic}-${batch.partition}`,
    );
  }
  const info = errorInfo(answer.errorCode);
  if (info.name !== ErrorCode.NONE) {
    return new QuillError(info.name, answer.errorMessage || info.message);
  }
  return {
    topicName: batch.topic,
    partition: batch.partition,
    errorCode: 0,
    baseOffset: answer.baseOffset,
    logAppendTime: answer.logAppendTimeMs,
    logStartOffset: answer.logStartOffset,
  };
}

function asQuillError(error: unknown): QuillError {
  if (error instanceof QuillError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new QuillError(ErrorCode.UNKNOWN_SERVER_ERROR, message, { cause: error });
}
