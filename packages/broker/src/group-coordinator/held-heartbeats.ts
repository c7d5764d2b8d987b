import type { Clock, Timer } from '@quill/clock';
import type { ErrorCode, HeartbeatRequest__Output, HeartbeatResponse } from '@quill/proto';
import { HeartbeatParking, type HeartbeatParkingLimits } from './heartbeat-parking.js';
import type { ShardSlot } from './shard-slot.js';

/** A held heartbeat's request and the answer it is waiting for. */
interface HeldHeartbeat {
  request: HeartbeatRequest__Output;
  resolve: (response: HeartbeatResponse) => void;
}

/**
 * Long-poll heartbeats: a heartbeat answered NONE is held (bounded by the parking limits) until
 * its group changes, when it runs through the shard again and answers what the group is now;
 * until its wait ends (NONE); or until its partition is unloaded. One timer for all of them.
 */
export class HeldHeartbeats {
  private readonly parked: HeartbeatParking<HeldHeartbeat>;
  private timer: Timer | undefined;
  private nextParkId = 1;

  constructor(
    limits: HeartbeatParkingLimits,
    private readonly clock: Clock,
  ) {
    this.parked = new HeartbeatParking(limits);
  }

  /** Runs the heartbeat through the slot's shard, holding an answer of NONE for up to `waitMs`. `cancelled` aborts when the caller went away. */
  hold(slot: ShardSlot, request: HeartbeatRequest__Output, waitMs: number, cancelled?: AbortSignal): Promise<HeartbeatResponse> {
    return new Promise<HeartbeatResponse>((resolve) => {
      const parkId = this.nextParkId++;
      const deadline = this.clock.now() + waitMs;
      cancelled?.addEventListener('abort', () => this.parked.remove(parkId), { once: true });
      this.run(slot, parkId, deadline, { request, resolve });
    });
  }

  /** The group changed: its held heartbeats run again, so each answers what the group is now. */
  wakeGroup(slot: ShardSlot, groupId: string): void {
    for (const heartbeat of this.parked.takeGroup(groupId)) this.run(slot, heartbeat.id, heartbeat.deadline, heartbeat.payload);
    this.schedule();
  }

  /** The partition is no longer coordinated here: its held heartbeats answer `error`. */
  releasePartition(partition: number, error: { code: ErrorCode; message: string }): void {
    for (const heartbeat of this.parked.takePartition(partition)) heartbeat.payload.resolve({ error });
    this.schedule();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** Runs a (held) heartbeat through the shard; an answer of NONE before its deadline is held (again). */
  private run(slot: ShardSlot, parkId: number, deadline: number, held: HeldHeartbeat): void {
    slot.send(
      (shard, requestId, now) => shard.heartbeat(now, requestId, held.request),
      (response) => {
        const answer = response as HeartbeatResponse;
        const none = answer.error === null || answer.error === undefined || answer.error.code === 'NONE';
        if (
          none &&
          slot.isOpen &&
          this.clock.now() < deadline &&
          this.parked.park({ id: parkId, partition: slot.partition, groupId: held.request.groupId, deadline, payload: held })
        ) {
          this.schedule();
          return;
        }
        held.resolve(answer);
      },
    );
  }

  /** One timer at the earliest deadline: those due answer NONE. */
  private schedule(): void {
    this.timer?.cancel();
    this.timer = undefined;
    const deadline = this.parked.nextDeadline();
    if (deadline === undefined) return;
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = undefined;
        for (const heartbeat of this.parked.takeExpired(this.clock.now())) heartbeat.payload.resolve({ error: null });
        this.schedule();
      },
      Math.max(0, deadline - this.clock.now()),
    );
  }
}
