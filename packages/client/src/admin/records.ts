import { ErrorCode, QuillError, asQuillError, errorInfo } from '@quill/proto';
import { LATEST_TIMESTAMP, listOffsets, topicPartitionKey } from '../cluster/index.js';
import type { ClientContext } from '../context.js';
import type { DeletedRecords, DeleteTopicRecordsOptions, PartitionOffset } from './records-types.js';

/** DeleteRecords' offset for "everything up to the high watermark" (Kafka's -1). */
const DELETE_TO_HIGH_WATERMARK = -1;
/** How much sooner than the request's own deadline the broker gives up waiting for the followers, so its answer arrives. */
const DELETE_RECORDS_ANSWER_MARGIN_MS = 2_000;

/**
 * The admin client's calls on partitions' records, each to the partitions' leaders. Each call is
 * one attempt over what is still to do; the admin client wraps it in its retry.
 */
export class AdminRecords {
  constructor(private readonly context: ClientContext) {}

  /** Checks and normalises the partitions of a deleteTopicRecords call (before anything is sent). */
  static validate(options: DeleteTopicRecordsOptions): Array<{ partition: number; offset: number }> {
    if (options.partitions.length === 0) throw new QuillError(ErrorCode.INVALID_REQUEST, 'deleteTopicRecords needs at least one partition');
    const seen = new Set<number>();
    return options.partitions.map(({ partition, offset }) => {
      const value = typeof offset === 'string' ? Number(offset) : offset;
      if (!Number.isSafeInteger(partition) || partition < 0) throw new QuillError(ErrorCode.INVALID_REQUEST, `invalid partition ${partition}`);
      if (seen.has(partition)) throw new QuillError(ErrorCode.INVALID_REQUEST, `partition ${partition} is listed twice`);
      seen.add(partition);
      if (!Number.isSafeInteger(value) || value < DELETE_TO_HIGH_WATERMARK) {
        throw new QuillError(ErrorCode.INVALID_REQUEST, `offset must be -1 (the high watermark) or a non-negative integer, got ${String(offset)}`);
      }
      return { partition, offset: value };
    });
  }

  /**
   * One round of DeleteRecords for the partitions of `topic` not in `done` yet, one request per
   * leader. Records each success in `done`; throws the first error after the round (a retriable
   * one only when no partition failed for good).
   */
  async deleteRound(topic: string, wanted: ReadonlyArray<{ partition: number; offset: number }>, done: Map<number, number>, signal: AbortSignal): Promise<void> {
    const { cluster } = this.context;
    await cluster.addTargetTopics([topic]);
    await cluster.refreshMetadataIfNecessary();
    const known = new Set(cluster.partitionsFor(topic).map((p) => p.partitionId));
    const byLeader = new Map<number, Array<{ partition: number; offset: number }>>();
    const failures: QuillError[] = [];
    for (const item of wanted) {
      if (done.has(item.partition)) continue;
      if (!known.has(item.partition)) {
        failures.push(new QuillError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topic}-${item.partition} does not exist`));
        continue;
      }
      try {
        const leader = cluster.leaderFor(topic, item.partition);
        byLeader.set(leader.nodeId, [...(byLeader.get(leader.nodeId) ?? []), item]);
      } catch (error) {
        failures.push(asQuillError(error));
      }
    }
    await Promise.all(
      [...byLeader].map(async ([nodeId, partitions]) => {
        try {
          const timeoutMs = Math.max(1, this.context.requestTimeoutMs - DELETE_RECORDS_ANSWER_MARGIN_MS);
          const response = await cluster.connectionTo(nodeId).request('DeleteRecords', { topics: [{ name: topic, partitions }], timeoutMs }, { signal });
          const answers = response.topics.find((t) => t.name === topic)?.partitions ?? [];
          for (const { partition } of partitions) {
            const answer = answers.find((a) => a.partition === partition);
            const code = answer === undefined ? ErrorCode.UNKNOWN_SERVER_ERROR : errorInfo(answer.errorCode).name;
            if (answer !== undefined && code === ErrorCode.NONE) done.set(partition, answer.lowWatermark);
            else failures.push(new QuillError(code, `cannot delete records of ${topic}-${partition}: ${answer?.errorMessage || code}`));
          }
        } catch (error) {
          failures.push(asQuillError(error));
        }
      }),
    );
    const fatal = failures.find((f) => !f.retriable);
    if (fatal !== undefined) throw fatal;
    if (failures.length > 0) throw failures[0]!;
  }

  /** The results of a finished deleteTopicRecords call, in the order asked. */
  static results(topic: string, wanted: ReadonlyArray<{ partition: number }>, done: Map<number, number>): DeletedRecords[] {
    return wanted.map(({ partition }) => ({ topic, partition, lowWatermark: done.get(partition)! }));
  }

  /**
   * Per partition of `topic`, the earliest offset whose timestamp is at or after `timestamp`, or
   * the high watermark when there is none (or no timestamp is given), as KafkaJS.
   */
  async offsetsByTimestamp(topic: string, timestamp: number | undefined, signal: AbortSignal): Promise<PartitionOffset[]> {
    const { cluster } = this.context;
    await cluster.addTargetTopics([topic]);
    await cluster.refreshMetadataIfNecessary();
    const partitions = cluster.partitionsFor(topic).map((p) => p.partitionId);
    if (partitions.length === 0) throw new QuillError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic "${topic}" does not exist`);
    const query = (ts: number) => partitions.map((partition) => ({ topic, partition, timestamp: ts }));
    const [found, latest] = await Promise.all([
      timestamp === undefined ? undefined : listOffsets(cluster, query(timestamp), 'ISOLATION_LEVEL_READ_UNCOMMITTED', signal),
      listOffsets(cluster, query(LATEST_TIMESTAMP), 'ISOLATION_LEVEL_READ_UNCOMMITTED', signal),
    ]);
    return partitions.map((partition) => {
      const key = topicPartitionKey(topic, partition);
      const end = answerOrThrow(latest.get(key), topic, partition).offset;
      const atTime = found === undefined ? -1 : answerOrThrow(found.get(key), topic, partition).offset;
      return { partition, offset: atTime >= 0 ? atTime : end };
    });
  }
}

function answerOrThrow<T>(answer: T | QuillError | undefined, topic: string, partition: number): T {
  if (answer === undefined) throw new QuillError(ErrorCode.UNKNOWN_SERVER_ERROR, `no offset answer for ${topic}-${partition}`);
  if (answer instanceof QuillError) throw answer;
  return answer;
}
