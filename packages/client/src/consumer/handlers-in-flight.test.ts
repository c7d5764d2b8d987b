import { describe, expect, it } from 'vitest';
import { topicPartitionKey } from '../cluster/index.js';
import { HandlersInFlight } from './handlers-in-flight.js';

describe('HandlersInFlight', () => {
  it('is overdue only while a handler has held its message longer than the bound', async () => {
    let now = 1_000;
    const inFlight = new HandlersInFlight(() => now);
    let finish!: () => void;
    const running = inFlight.timed('t-0', () => new Promise<void>((resolve) => (finish = resolve)));
    now += 500;
    expect(inFlight.overdue(500)).toBe(false);
    now += 1;
    expect(inFlight.overdue(500)).toBe(true);
    finish();
    await running;
    expect(inFlight.overdue(500)).toBe(false);
  });

  it('settled waits for the tracked handling of the given partitions only', async () => {
    const inFlight = new HandlersInFlight(() => 0);
    let finish!: () => void;
    const task = new Promise<void>((resolve) => (finish = resolve));
    const tracked = inFlight.track(topicPartitionKey('t', 0), task);
    let settled = false;
    const waiting = inFlight.settled([{ topic: 't', partition: 0 }]).then(() => (settled = true));
    await inFlight.settled([{ topic: 't', partition: 1 }]);
    expect(settled).toBe(false);
    finish();
    await Promise.all([tracked, waiting]);
    expect(settled).toBe(true);
  });
});
