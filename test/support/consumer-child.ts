// A group consumer as its own OS process, for tests that kill -9 a consumer. Configured by
// environment variables; reports on stdout, one line per event:
//   J <generation> <topic:partition,...>   joined a generation with this assignment
//   P <partition> <offset> <value>         processed a message (before its commit)
//   C <partition> <nextOffset>             committed after processing (manual commit)
// Every message is committed right after it is processed, so at most one processed message
// per partition is uncommitted when the process dies.
import { PartitionAssigners, Quill } from '@quill/client';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
};

const quill = new Quill({
  brokers: env('QUILL_BOOTSTRAP').split(','),
  clientId: env('CONSUMER_NAME'),
  logLevel: 'error',
  retry: { retries: 30, initialRetryTimeMs: 50, maxRetryTimeMs: 1000 },
  requestTimeoutMs: 10_000,
});
const consumer = quill.consumer({
  groupId: env('CONSUMER_GROUP'),
  sessionTimeout: Number(env('SESSION_TIMEOUT_MS')),
  heartbeatInterval: Number(env('HEARTBEAT_INTERVAL_MS')),
  rebalanceTimeout: Number(env('REBALANCE_TIMEOUT_MS')),
  maxWaitTimeInMs: 500,
  partitionAssigners: [PartitionAssigners.roundRobin],
});
const handleDelayMs = Number(process.env['HANDLE_DELAY_MS'] ?? '0');
const out = (line: string): void => void process.stdout.write(`${line}\n`);

consumer.on(consumer.events.GROUP_JOIN, (e) => {
  const owned = Object.entries(e.memberAssignment).flatMap(([topic, ps]) => ps.map((p) => `${topic}:${p}`));
  out(`J ${e.generationId} ${owned.join(',')}`);
});
consumer.on(consumer.events.CRASH, ({ error }) => {
  process.stderr.write(`crash: ${error.message}\n`);
  process.exit(2);
});

await consumer.connect();
await consumer.subscribe({ topics: [env('CONSUMER_TOPIC')], fromBeginning: true });
await consumer.run({
  autoCommit: false,
  eachMessage: async ({ topic, partition, message }) => {
    if (handleDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, handleDelayMs));
    out(`P ${partition} ${message.offset} ${message.value?.toString() ?? ''}`);
    await consumer.commitOffsets([{ topic, partition, offset: message.offset + 1 }]);
    out(`C ${partition} ${message.offset + 1}`);
  },
});

const stop = (): void => {
  void consumer.disconnect().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
