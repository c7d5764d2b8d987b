// A KafkaJS 2.2.4 group consumer as its own OS process, for tests that kill -9 a member. It
// speaks to the brokers' Kafka listeners only. Configured by environment variables; reports on
// stdout with the lines consumer-child.ts uses (J joins, P processed, C committed). Every message
// is committed right after it is processed.
import { Kafka, logLevel } from 'kafkajs';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
};

const kafka = new Kafka({
  brokers: env('KAFKA_BOOTSTRAP').split(','),
  clientId: env('CONSUMER_NAME'),
  logLevel: logLevel.NOTHING,
  retry: { retries: 30, initialRetryTime: 50, maxRetryTime: 1000 },
});
const consumer = kafka.consumer({
  groupId: env('CONSUMER_GROUP'),
  sessionTimeout: Number(env('SESSION_TIMEOUT_MS')),
  heartbeatInterval: Number(env('HEARTBEAT_INTERVAL_MS')),
  rebalanceTimeout: Number(env('REBALANCE_TIMEOUT_MS')),
  maxWaitTimeInMs: 200,
});
const out = (line: string): void => void process.stdout.write(`${line}\n`);
let joins = 0;

consumer.on(consumer.events.GROUP_JOIN, (e) => {
  const owned = Object.entries(e.payload.memberAssignment).flatMap(([topic, ps]) => ps.map((p) => `${topic}:${p}`));
  out(`J ${++joins} ${owned.join(',')}`);
});
// A retriable failure (say NOT_COORDINATOR while the offsets topic is still being led) restarts
// the consumer inside KafkaJS; only a final one ends the process.
consumer.on(consumer.events.CRASH, (e) => {
  process.stderr.write(`crash (restart: ${String(e.payload.restart)}): ${e.payload.error.message}\n`);
  if (!e.payload.restart) process.exit(2);
});

await consumer.connect();
await consumer.subscribe({ topics: [env('CONSUMER_TOPIC')], fromBeginning: true });
await consumer.run({
  autoCommit: false,
  eachMessage: async ({ topic, partition, message }) => {
    out(`P ${partition} ${message.offset} ${message.value?.toString() ?? ''}`);
    const next = String(Number(message.offset) + 1);
    await consumer.commitOffsets([{ topic, partition, offset: next }]);
    out(`C ${partition} ${next}`);
  },
});

const stop = (): void => {
  void consumer.disconnect().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
