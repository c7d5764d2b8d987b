// Long-poll heartbeats (HeartbeatRequest.max_wait_ms): which heartbeats the coordinator holds,
// until when, and which ones to release when. No clock and no I/O: the adapter passes `now`,
// runs one timer at `nextDeadline()` and answers what it takes out.

/** Bounds on held heartbeats (named broker configs). */
export interface HeartbeatParkingLimits {
  /** group.heartbeat.max.wait.ms: the longest a heartbeat is held, whatever it asks for. */
  maxWaitMs: number;
  /** group.heartbeat.parked.max.per.group: heartbeats held at once for one group. */
  maxPerGroup: number;
  /** group.heartbeat.parked.max: heartbeats held at once by this broker. */
  maxTotal: number;
}

/** A held heartbeat: the request and its caller live in `payload`, which the registry never reads. */
export interface ParkedHeartbeat<T> {
  id: number;
  /** The __consumer_offsets partition whose shard owns the group. */
  partition: number;
  groupId: string;
  /** When it is answered NONE if nothing happened to the group before. */
  deadline: number;
  payload: T;
}

/**
 * A member's session is refreshed when its heartbeat arrives and again when its next one does,
 * one hold plus a round trip later: holding at most a third of the session (the ratio Kafka
 * advises between heartbeat interval and session timeout) keeps a held member safely alive.
 */
export const SESSION_FRACTION_HELD = 3;

/** How long a heartbeat asking to wait `requestedMs` may be held (0: answer at once). */
export function heldWaitMs(requestedMs: number, sessionTimeoutMs: number, limits: HeartbeatParkingLimits): number {
  if (!(requestedMs > 0)) return 0;
  return Math.max(0, Math.min(requestedMs, limits.maxWaitMs, Math.floor(sessionTimeoutMs / SESSION_FRACTION_HELD)));
}

/**
 * The heartbeats held by one coordinator, indexed by group (released together when the group
 * changes), by partition (released when the coordinator unloads it) and by deadline (a binary
 * heap with lazy deletion, so releasing one costs O(log n)).
 */
export class HeartbeatParking<T> {
  private readonly byId = new Map<number, ParkedHeartbeat<T>>();
  private readonly byGroup = new Map<string, Set<number>>();
  /** [deadline, id] min-heap; entries of heartbeats already released are skipped when met. */
  private readonly heap: Array<[number, number]> = [];

  constructor(private readonly limits: HeartbeatParkingLimits) {}

  get size(): number {
    return this.byId.size;
  }

  /** Holds a heartbeat; false (answer it at once) when its group or this broker holds the maximum. */
  park(heartbeat: ParkedHeartbeat<T>): boolean {
    if (this.byId.has(heartbeat.id)) throw new Error(`heartbeat ${heartbeat.id} is already held`);
    const group = this.byGroup.get(heartbeat.groupId);
    if (this.byId.size >= this.limits.maxTotal || (group?.size ?? 0) >= this.limits.maxPerGroup) return false;
    this.byId.set(heartbeat.id, heartbeat);
    if (group === undefined) this.byGroup.set(heartbeat.groupId, new Set([heartbeat.id]));
    else group.add(heartbeat.id);
    this.push([heartbeat.deadline, heartbeat.id]);
    return true;
  }

  /** Releases one heartbeat (its call was cancelled); undefined when it is not held. */
  remove(id: number): ParkedHeartbeat<T> | undefined {
    const heartbeat = this.byId.get(id);
    if (heartbeat === undefined) return undefined;
    this.byId.delete(id);
    const group = this.byGroup.get(heartbeat.groupId)!;
    group.delete(id);
    if (group.size === 0) this.byGroup.delete(heartbeat.groupId);
    this.compactIfSparse();
    return heartbeat;
  }

  /** Releases every heartbeat of the group (it changed state: each must be answered afresh), in arrival order. */
  takeGroup(groupId: string): ParkedHeartbeat<T>[] {
    const ids = this.byGroup.get(groupId);
    if (ids === undefined) return [];
    return [...ids].map((id) => this.remove(id)!);
  }

  /** Releases every heartbeat of a partition's groups (the coordinator unloads it). */
  takePartition(partition: number): ParkedHeartbeat<T>[] {
    const ids = [...this.byId.values()].filter((h) => h.partition === partition).map((h) => h.id);
    return ids.map((id) => this.remove(id)!);
  }

  /** Releases the heartbeats whose deadline is at or before `now`, earliest first. */
  takeExpired(now: number): ParkedHeartbeat<T>[] {
    const expired: ParkedHeartbeat<T>[] = [];
    for (;;) {
      const top = this.heap[0];
      if (top === undefined || top[0] > now) break;
      this.pop();
      const heartbeat = this.byId.get(top[1]);
      if (heartbeat !== undefined && heartbeat.deadline === top[0]) expired.push(this.remove(top[1])!);
    }
    return expired;
  }

  /** The earliest deadline of a held heartbeat, or undefined when none is held. */
  nextDeadline(): number | undefined {
    for (;;) {
      const top = this.heap[0];
      if (top === undefined) return undefined;
      const heartbeat = this.byId.get(top[1]);
      if (heartbeat !== undefined && heartbeat.deadline === top[0]) return top[0];
      this.pop();
    }
  }

  /** Rebuilds the heap when most of it is released entries, so its size stays bounded by the held ones. */
  private compactIfSparse(): void {
    if (this.heap.length <= 2 * this.byId.size + 16) return;
    this.heap.length = 0;
    for (const h of this.byId.values()) this.push([h.deadline, h.id]);
  }

  private push(entry: [number, number]): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && before(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && before(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === i) return;
      [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
      i = smallest;
    }
  }
}

/** Earlier deadline first; ties in arrival (id) order. */
function before(a: [number, number], b: [number, number]): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
}
