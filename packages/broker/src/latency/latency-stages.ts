/**
 * The stages of one acks=all record's way from producer to consumer that a broker can time on its
 * own clock. Network hops are what is left between them: the leader's follower round trip minus the
 * follower's append and flush is the two hops of a replica fetch (docs/BENCHMARKS.md, latency breakdown).
 */
export const LATENCY_STAGES = {
  produce_append: 'leader: a produce request for a partition arrives until its batches are appended',
  leader_flush: 'leader: append until the leader itself has fsynced the batch (group-commit wait and fdatasync)',
  replication_wait: 'leader: append until the high watermark passes the batch and the produce is answered (acks=all)',
  follower_fetch_wakeup: "leader: append until a follower's held fetch answers with it",
  follower_round_trip: "leader: records sent to a follower until that follower's fetch reports them fsynced",
  follower_append: 'follower: a fetch answer arrives until its records are appended',
  follower_flush: 'follower: append until those records are fsynced and the next fetch can report them',
  consumer_fetch_wakeup: "leader: the high watermark advances until a consumer's held fetch answers",
  flush_queue_wait: 'any broker: a log asks for a group-commit round until the round starts',
} as const;

export type LatencyStage = keyof typeof LATENCY_STAGES;

/** Where a broker reports how long each stage took (the metrics histogram, or nowhere). */
export interface LatencyStages {
  observe(stage: LatencyStage, seconds: number): void;
}

export const NO_LATENCY_STAGES: LatencyStages = { observe: () => undefined };

/** Milliseconds on a monotonic clock with sub-millisecond resolution (stages are tens of microseconds to milliseconds). */
export function preciseNowMs(): number {
  return performance.now();
}
