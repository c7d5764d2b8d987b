import { BATCH_LENGTH_OFFSET, LAST_OFFSET_DELTA_OFFSET, LOG_OVERHEAD } from '@quill/records';

interface Sent {
  /** The offset after the last record sent. */
  endOffset: number;
  atMs: number;
}

/**
 * Times a leader's follower round trip: from sending a follower records to that follower's fetch
 * reporting them fsynced. One timed send per follower and partition (a follower has one fetch at
 * a time): a send while an earlier one is not yet reported is not timed. Keyed weakly by
 * partition, so a removed replica leaves nothing behind.
 */
export class FollowerRoundTrips {
  private readonly pending = new WeakMap<object, Map<number, Sent>>();

  /** `records` went to `followerId` at `atMs`. */
  sent(partition: object, followerId: number, records: Buffer, atMs: number): void {
    let byFollower = this.pending.get(partition);
    if (byFollower?.has(followerId) === true) return;
    const endOffset = endOffsetOf(records);
    if (endOffset === undefined) return;
    if (byFollower === undefined) this.pending.set(partition, (byFollower = new Map()));
    byFollower.set(followerId, { endOffset, atMs });
  }

  /** `partition` changed leadership: what was sent before is no longer waited for. */
  forget(partition: object): void {
    this.pending.delete(partition);
  }

  /** `followerId` reports everything below `durableOffset` fsynced: the round trip in ms, if this completes one. */
  reported(partition: object, followerId: number, durableOffset: number, atMs: number): number | undefined {
    const sent = this.pending.get(partition)?.get(followerId);
    if (sent === undefined || durableOffset < sent.endOffset) return undefined;
    this.pending.get(partition)!.delete(followerId);
    return atMs - sent.atMs;
  }
}

/** The offset after the last complete batch in `records`, or undefined when there is none. */
export function endOffsetOf(records: Buffer): number | undefined {
  let position = 0;
  let end: number | undefined;
  while (position + LOG_OVERHEAD <= records.length && position + LAST_OFFSET_DELTA_OFFSET + 4 <= records.length) {
    const size = LOG_OVERHEAD + records.readInt32BE(position + BATCH_LENGTH_OFFSET);
    // A length too small for a batch header is damage: stop rather than loop or read backwards.
    if (size < LAST_OFFSET_DELTA_OFFSET + 4 || position + size > records.length) break;
    end = Number(records.readBigInt64BE(position)) + records.readInt32BE(position + LAST_OFFSET_DELTA_OFFSET) + 1;
    position += size;
  }
  return end;
}
