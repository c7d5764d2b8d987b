// An example of a KafkaJS service's own test suite: Quill's embeddable cluster stands in for
// Kafka (no Docker), and the service talks to it with KafkaJS through `kafkaBootstrap`, unchanged.
// It runs in Quill's suite, so it stays true.
import { startCluster, type TestCluster } from '@quill/testing';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The service under test: publishes payments and keeps a running balance per account from the topic. */
class PaymentService {
  private readonly producer: Producer;
  private readonly consumer: Consumer;
  readonly balances = new Map<string, number>();

  constructor(kafka: Kafka) {
    this.producer = kafka.producer({ idempotent: true });
    this.consumer = kafka.consumer({ groupId: 'balances' });
  }

  async start(): Promise<void> {
    await this.producer.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: 'payments', fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ message }) => {
        const { account, amount } = JSON.parse(message.value!.toString()) as { account: string; amount: number };
        this.balances.set(account, (this.balances.get(account) ?? 0) + amount);
      },
    });
  }

  async pay(account: string, amount: number): Promise<void> {
    await this.producer.send({ topic: 'payments', acks: -1, messages: [{ key: account, value: JSON.stringify({ account, amount }) }] });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
    await this.producer.disconnect();
  }
}

let cluster: TestCluster;
let kafka: Kafka;
beforeAll(async () => {
  cluster = await startCluster({ brokers: 3 });
  kafka = new Kafka({ clientId: 'payments-test', brokers: cluster.kafkaBootstrap, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'payments', numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true });
  await admin.disconnect();
}, 60_000);
afterAll(() => cluster.stop());

describe('PaymentService on KafkaJS against Quill', () => {
  it('keeps balances right when a broker dies', async () => {
    const service = new PaymentService(kafka);
    await service.start();
    for (let i = 0; i < 30; i++) await service.pay(`account-${i % 3}`, 10);

    await cluster.kill(await cluster.leaderOf('payments', 0));
    for (let i = 0; i < 30; i++) await service.pay(`account-${i % 3}`, 1);

    await expect.poll(() => [...service.balances.values()].reduce((a, b) => a + b, 0), { timeout: 60_000, interval: 100 }).toBe(330);
    expect(Object.fromEntries(service.balances)).toEqual({ 'account-0': 110, 'account-1': 110, 'account-2': 110 });
    await service.stop();
  });
});
