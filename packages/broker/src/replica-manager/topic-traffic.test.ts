import { describe, expect, it } from 'vitest';
import { TopicTraffic } from './topic-traffic.js';

describe('TopicTraffic', () => {
  it('adds up bytes and records per topic, and forgets a deleted topic', () => {
    const traffic = new TopicTraffic();
    traffic.produced('orders', 100, 3);
    traffic.produced('orders', 50, 1);
    traffic.fetched('orders', 120);
    traffic.fetched('payments', 0);
    traffic.produced('payments', 10, 1);
    expect(new Map(traffic.entries())).toEqual(
      new Map([
        ['orders', { bytesIn: 150, recordsIn: 4, bytesOut: 120 }],
        ['payments', { bytesIn: 10, recordsIn: 1, bytesOut: 0 }],
      ]),
    );
    traffic.forget('orders');
    expect([...traffic.entries()].map(([topic]) => topic)).toEqual(['payments']);
  });
});
