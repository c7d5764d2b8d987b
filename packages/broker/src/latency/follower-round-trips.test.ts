import { encodeBatch } from '@quill/records';
import { describe, expect, it } from 'vitest';
import { FollowerRoundTrips, endOffsetOf } from './follower-round-trips.js';

const batch = (baseOffset: number, count: number): Buffer => encodeBatch(Array.from({ length: count }, () => ({ value: Buffer.from('v') })), { baseOffset });

describe('endOffsetOf', () => {
  it('is the offset after the last complete batch, ignoring a torn tail', () => {
    const two = Buffer.concat([batch(10, 3), batch(13, 2)]);
    expect(endOffsetOf(two)).toBe(15);
    expect(endOffsetOf(two.subarray(0, two.length - 1))).toBe(13);
    expect(endOffsetOf(Buffer.alloc(0))).toBeUndefined();
    // A damaged length stops the walk instead of looping or reading backwards.
    const damaged = Buffer.concat([batch(10, 3), batch(13, 2)]);
    damaged.writeInt32BE(-12, damaged.length - batch(13, 2).length + 8);
    expect(endOffsetOf(damaged)).toBe(13);
  });
});

describe('FollowerRoundTrips', () => {
  it('times a send until the follower reports it durable, per follower', () => {
    const trips = new FollowerRoundTrips();
    const partition = {};
    trips.sent(partition, 2, batch(0, 5), 100);
    trips.sent(partition, 3, batch(0, 5), 101);
    expect(trips.reported(partition, 2, 4, 102)).toBeUndefined();
    expect(trips.reported(partition, 2, 5, 103.5)).toBe(3.5);
    // Reported once: a later report of the same offset is not another round trip.
    expect(trips.reported(partition, 2, 5, 110)).toBeUndefined();
    expect(trips.reported(partition, 3, 9, 106)).toBe(5);
  });

  it('forgets what was sent before a change of leadership', () => {
    const trips = new FollowerRoundTrips();
    const partition = {};
    trips.sent(partition, 2, batch(0, 5), 100);
    trips.forget(partition);
    expect(trips.reported(partition, 2, 5, 900_000)).toBeUndefined();
  });

  it('does not time a send while an earlier one waits for its report', () => {
    const trips = new FollowerRoundTrips();
    const partition = {};
    trips.sent(partition, 2, batch(0, 5), 100);
    trips.sent(partition, 2, batch(5, 5), 102);
    expect(trips.reported(partition, 2, 10, 104)).toBe(4);
    expect(trips.reported(partition, 2, 10, 105)).toBeUndefined();
  });
});
