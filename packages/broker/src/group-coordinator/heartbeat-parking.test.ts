import { SeededRandom, seedFromEnv } from '@quill/random';
import { describe, expect, it } from 'vitest';
import { HeartbeatParking, heldWaitMs, type HeartbeatParkingLimits, type ParkedHeartbeat } from './heartbeat-parking.js';

const LIMITS: HeartbeatParkingLimits = { maxWaitMs: 10_000, maxPerGroup: 3, maxTotal: 5 };
const SEED = seedFromEnv(20261122);

const heartbeat = (id: number, groupId: string, deadline: number, partition = 0): ParkedHeartbeat<string> => ({
  id,
  partition,
  groupId,
  deadline,
  payload: `hb-${id}`,
});

describe('heldWaitMs', () => {
  it('answers at once for 0 (Kafka behaviour) and for nonsense', () => {
    expect(heldWaitMs(0, 30_000, LIMITS)).toBe(0);
    expect(heldWaitMs(-5, 30_000, LIMITS)).toBe(0);
    expect(heldWaitMs(Number.NaN, 30_000, LIMITS)).toBe(0);
  });

  it('holds what is asked, capped by the broker maximum and a third of the session', () => {
    expect(heldWaitMs(3_000, 30_000, LIMITS)).toBe(3_000);
    expect(heldWaitMs(60_000, 60_000, LIMITS)).toBe(10_000);
    expect(heldWaitMs(3_000, 6_000, LIMITS)).toBe(2_000);
  });
});

describe('HeartbeatParking', () => {
  it('releases a group together, in arrival order, and leaves the others held', () => {
    const parking = new HeartbeatParking<string>(LIMITS);
    expect(parking.park(heartbeat(1, 'a', 100))).toBe(true);
    expect(parking.park(heartbeat(2, 'b', 50))).toBe(true);
    expect(parking.park(heartbeat(3, 'a', 80))).toBe(true);
    expect(parking.takeGroup('a').map((h) => h.payload)).toEqual(['hb-1', 'hb-3']);
    expect(parking.takeGroup('a')).toEqual([]);
    expect(parking.size).toBe(1);
    expect(parking.nextDeadline()).toBe(50);
  });

  it('refuses beyond the per-group and the total maximum, and admits again once released', () => {
    const parking = new HeartbeatParking<string>(LIMITS);
    for (const id of [1, 2, 3]) expect(parking.park(heartbeat(id, 'a', 100))).toBe(true);
    expect(parking.park(heartbeat(4, 'a', 100))).toBe(false);
    expect(parking.park(heartbeat(5, 'b', 100))).toBe(true);
    expect(parking.park(heartbeat(6, 'c', 100))).toBe(true);
    expect(parking.park(heartbeat(7, 'd', 100))).toBe(false);
    expect(parking.remove(5)?.payload).toBe('hb-5');
    expect(parking.park(heartbeat(7, 'd', 100))).toBe(true);
    expect(parking.size).toBe(5);
  });

  it('expires by deadline, earliest first, and never hands out a released heartbeat', () => {
    const parking = new HeartbeatParking<string>(LIMITS);
    parking.park(heartbeat(1, 'a', 30));
    parking.park(heartbeat(2, 'b', 10));
    parking.park(heartbeat(3, 'c', 20));
    parking.remove(3);
    expect(parking.nextDeadline()).toBe(10);
    expect(parking.takeExpired(9)).toEqual([]);
    expect(parking.takeExpired(25).map((h) => h.id)).toEqual([2]);
    expect(parking.nextDeadline()).toBe(30);
    expect(parking.takeExpired(30).map((h) => h.id)).toEqual([1]);
    expect(parking.nextDeadline()).toBeUndefined();
  });

  it('releases a whole partition when the coordinator unloads it', () => {
    const parking = new HeartbeatParking<string>(LIMITS);
    parking.park(heartbeat(1, 'a', 30, 7));
    parking.park(heartbeat(2, 'b', 10, 8));
    parking.park(heartbeat(3, 'c', 20, 7));
    expect(parking.takePartition(7).map((h) => h.id)).toEqual([1, 3]);
    expect(parking.takeExpired(100).map((h) => h.id)).toEqual([2]);
  });

  it(`agrees with a plain list model under random operations (seed ${SEED}, QUILL_SEED to reproduce)`, () => {
    const random = new SeededRandom(SEED);
    const limits = { maxWaitMs: 1_000, maxPerGroup: 4, maxTotal: 12 };
    const parking = new HeartbeatParking<number>(limits);
    let model: Array<ParkedHeartbeat<number>> = [];
    let now = 0;
    let nextId = 1;
    const groups = ['g0', 'g1', 'g2', 'g3', 'g4'];
    const ids = (list: Array<ParkedHeartbeat<number>>) => list.map((h) => h.id);
    for (let step = 0; step < 20_000; step++) {
      const op = random.int(0, 9);
      if (op <= 4) {
        const id = nextId++;
        const h = { id, partition: random.int(0, 2), groupId: groups[random.int(0, groups.length - 1)]!, deadline: now + random.int(0, 50), payload: id };
        const fits = model.length < limits.maxTotal && model.filter((m) => m.groupId === h.groupId).length < limits.maxPerGroup;
        expect(parking.park(h), `seed ${SEED} step ${step}`).toBe(fits);
        if (fits) model.push(h);
      } else if (op === 5) {
        const groupId = groups[random.int(0, groups.length - 1)]!;
        expect(ids(parking.takeGroup(groupId)), `seed ${SEED} step ${step}`).toEqual(ids(model.filter((m) => m.groupId === groupId)));
        model = model.filter((m) => m.groupId !== groupId);
      } else if (op === 6 && model.length > 0) {
        const victim = model[random.int(0, model.length - 1)]!;
        expect(parking.remove(victim.id)?.id).toBe(victim.id);
        model = model.filter((m) => m !== victim);
      } else if (op === 7) {
        const partition = random.int(0, 2);
        expect(ids(parking.takePartition(partition))).toEqual(ids(model.filter((m) => m.partition === partition)));
        model = model.filter((m) => m.partition !== partition);
      } else {
        now += random.int(0, 20);
        const due = model.filter((m) => m.deadline <= now).sort((a, b) => a.deadline - b.deadline || a.id - b.id);
        expect(ids(parking.takeExpired(now)), `seed ${SEED} step ${step}`).toEqual(ids(due));
        model = model.filter((m) => m.deadline > now);
      }
      expect(parking.size).toBe(model.length);
      const earliest = model.length === 0 ? undefined : Math.min(...model.map((m) => m.deadline));
      expect(parking.nextDeadline(), `seed ${SEED} step ${step}`).toBe(earliest);
    }
  });
});
