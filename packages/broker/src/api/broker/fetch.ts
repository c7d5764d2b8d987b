import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { BrokerHandlers, ErrorCode, FetchRequest__Output, FetchResponse } from '@quill/proto';
import { brokerError, toQuillError } from '../../errors.js';
import { serveInOrder } from '../in-order-stream.js';
import { errorResponse, unary } from '../unary.js';
import type { BrokerServiceContext } from './context.js';
import { preciseNowMs } from '../../latency/latency-stages.js';
import { codeOf, unknownPartition } from './partition-errors.js';

/** A consumer's Fetch, one request per call. */
export function fetchHandler(ctx: BrokerServiceContext): BrokerHandlers['Fetch'] {
  return unary((call) => consumerFetch(ctx, call.request));
}

/** A consumer's Fetch on one long-lived stream: one answer per request, in order. */
export function fetchStreamHandler(ctx: BrokerServiceContext): BrokerHandlers['FetchStream'] {
  return (call: ServerDuplexStream<FetchRequest__Output, FetchResponse>) => {
    serveInOrder(call, (request) => consumerFetch(ctx, request), { maxPending: ctx.config.queuedMaxRequestsPerStream, failed: errorResponse });
  };
}

/** One partition's part of a consumer fetch's answer. */
export interface ConsumerFetchPartition {
  partition: number;
  errorCode: ErrorCode;
  errorMessage: string;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  /** Whole record batches as stored (a fetch from inside a batch gets that batch); absent on an error. */
  records?: Buffer;
}

/** A consumer fetch's answer, per topic in the request's order. */
export interface ConsumerFetchResult {
  topics: Array<{ topic: string; partitions: ConsumerFetchPartition[] }>;
}

/**
 * A consumer fetch (gRPC Fetch/FetchStream and Kafka Fetch): long-polls until the requested
 * partitions hold at least `minBytes` below their high watermarks (any data for 1 or less), or one
 * needs an error answered, then reads.
 */
export async function consumerFetch(ctx: BrokerServiceContext, request: FetchRequest__Output): Promise<ConsumerFetchResult> {
  const wanted = request.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, ...p })));
  // Readable bytes per wanted partition at the high watermark they were counted at: `ready` runs on
  // every change of the partitions (appends too), and counting reads the log's index and headers.
  const counted = new Map<string, { highWatermark: number; bytes: number }>();
  const ready = (): boolean => {
    let bytes = 0;
    for (const w of wanted) {
      const partition = ctx.replicas.partition(w.topic, w.partition);
      // Errors (no replica, not leader, fenced epoch, offset outside the log) are answered at once, not after the wait.
      if (partition === undefined || !partition.isLeader || partition.checkLeaderEpoch(w.currentLeaderEpoch) !== undefined) return true;
      const log = partition.log;
      if (w.fetchOffset > log.logEndOffset || w.fetchOffset < log.logStartOffset) return true;
      if (partition.highWatermark <= w.fetchOffset) continue;
      if (request.minBytes <= 1) return true;
      let known = counted.get(partition.key);
      if (known?.highWatermark !== partition.highWatermark) {
        known = { highWatermark: partition.highWatermark, bytes: readableBytes(log, w.fetchOffset, partition.highWatermark) };
        counted.set(partition.key, known);
      }
      bytes += known.bytes;
      if (bytes >= request.minBytes) return true;
    }
    return false;
  };
  // Only hosted replicas can change the answer; a missing one makes `ready` hold at once.
  const keys = wanted.flatMap((w) => ctx.replicas.partition(w.topic, w.partition)?.key ?? []);
  const waitedFromMs = ready() ? undefined : preciseNowMs();
  await ctx.replicas.waitForData(keys, ready, request.maxWaitMs);
  if (waitedFromMs !== undefined) observeWakeup(ctx, wanted, waitedFromMs);
  let budget = request.maxBytes > 0 ? request.maxBytes : Number.MAX_SAFE_INTEGER;
  const topics = request.topics.map((topic) => ({
    topic: topic.topic,
    partitions: topic.partitions.map((p): ConsumerFetchPartition => {
      try {
        const partition = ctx.replicas.partition(topic.topic, p.partition);
        if (partition === undefined) throw unknownPartition(ctx.replicas.state, topic.topic, p.partition);
        if (!partition.isLeader) throw brokerError('NOT_LEADER_OR_FOLLOWER', `${partition.key} is not led by broker ${ctx.config.nodeId}`);
        const fenced = partition.checkLeaderEpoch(p.currentLeaderEpoch);
        if (fenced !== undefined) throw fenced;
        const maxBytes = Math.max(1, Math.min(p.partitionMaxBytes > 0 ? p.partitionMaxBytes : budget, budget));
        const read = partition.readForConsumer(p.fetchOffset, maxBytes);
        budget = Math.max(0, budget - read.records.length);
        ctx.replicas.traffic.fetched(topic.topic, read.records.length);
        return {
          partition: p.partition,
          errorCode: 'NONE',
          errorMessage: '',
          highWatermark: read.highWatermark,
          lastStableOffset: read.highWatermark,
          logStartOffset: read.logStartOffset,
          records: read.records,
        };
      } catch (error) {
        return { partition: p.partition, ...codeOf(toQuillError(error)), highWatermark: -1, lastStableOffset: -1, logStartOffset: -1 };
      }
    }),
  }));
  return { topics };
}

/** Bytes of record batches from `fromOffset` up to the high watermark; a log that fails to answer counts as ready, so the read reports it. */
function readableBytes(log: { bytesBetween(from: number, to: number): number }, fromOffset: number, highWatermark: number): number {
  try {
    return log.bytesBetween(fromOffset, highWatermark);
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** A held fetch woken by a high watermark that advanced while it waited: how long after the advance it answers. */
function observeWakeup(ctx: BrokerServiceContext, wanted: ReadonlyArray<{ topic: string; partition: number; fetchOffset: number }>, waitedFromMs: number): void {
  let advancedAtMs = Number.POSITIVE_INFINITY;
  for (const w of wanted) {
    const partition = ctx.replicas.partition(w.topic, w.partition);
    if (partition === undefined || partition.highWatermark <= w.fetchOffset) continue;
    const at = ctx.replicas.highWatermarkAdvancedAt(partition);
    if (at !== undefined && at >= waitedFromMs) advancedAtMs = Math.min(advancedAtMs, at);
  }
  if (Number.isFinite(advancedAtMs)) ctx.replicas.latency.observe('consumer_fetch_wakeup', (preciseNowMs() - advancedAtMs) / 1000);
}
