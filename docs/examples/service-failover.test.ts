// An example of a service's own test suite using Quill's embeddable test cluster instead of
// Docker: a real three-broker cluster in this process, a leader killed mid-test, and assertions
// that the service carried on. It runs in Quill's suite, so it stays true.
import { Quill } from '@quill/client';
import { startCluster, type TestCluster } from '@quill/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The service under test: records orders as events keyed by order id. */
class OrderService {
  private readonly producer;
  constructor(quill: Quill) {
    this.producer = quill.producer();
  }
  start(): Promise<void> {
    return this.producer.connect();
  }
  async placeOrder(orderId: string, amount: number): Promise<void> {
    await this.producer.send({ topic: 'orders', acks: -1, messages: [{ key: orderId, value: JSON.stringify({ orderId, amount }) }] });
  }
  stop(): Promise<void> {
    return this.producer.disconnect();
  }
}

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startCluster({ brokers: 3, controllers: 1 });
  const admin = cluster.client().admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 1, replicationFactor: 3 }] });
  await admin.disconnect();
}, 60_000);
afterAll(() => cluster.stop());

describe('OrderService', () => {
  it('keeps recording orders when the partition leader dies', async () => {
    const service = new OrderService(cluster.client());
    await service.start();
    for (let i = 0; i < 20; i++) await service.placeOrder(`order-${i}`, i);

    await cluster.kill(await cluster.leaderOf('orders', 0));
    for (let i = 20; i < 40; i++) await service.placeOrder(`order-${i}`, i);
    await service.stop();

    // Every order is in the log exactly once, in order.
    const consumer = cluster.client().consumer();
    await consumer.connect();
    consumer.assign([{ topic: 'orders', partition: 0, offset: 'earliest' }]);
    const seen: string[] = [];
    for await (const message of consumer.messages()) {
      seen.push((JSON.parse(message.value!.toString()) as { orderId: string }).orderId);
      if (seen.length === 40) break;
    }
    await consumer.disconnect();
    expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => `order-${i}`));
  });
});
