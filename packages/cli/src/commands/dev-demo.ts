import { openQuill } from '../client-options.js';
import type { ClientSecurityArgs } from '../client-security/client-security.js';

const DEMO_TOPIC = 'greetings';

/**
 * `quill dev --demo`: once the cluster is up, a produce/consume round trip a new user can watch:
 * a replicated topic, three acks=all records, and the same records read back.
 */
export async function runDemo(bootstrap: string, security: ClientSecurityArgs = {}, connectFlags = `--bootstrap ${bootstrap}`): Promise<void> {
  const quill = openQuill({ ...security, bootstrap, logLevel: undefined, requestTimeoutMs: 10_000 });
  const admin = quill.admin();
  const producer = quill.producer();
  const consumer = quill.consumer();
  try {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: DEMO_TOPIC, numPartitions: 1, replicationFactor: 3 }] });
    await producer.connect();
    const greetings = [
      { key: 'en', value: 'hello' },
      { key: 'fr', value: 'bonjour' },
      { key: 'ja', value: 'konnichiwa' },
    ];
    const [sent] = await producer.send({ topic: DEMO_TOPIC, acks: -1, messages: greetings.map((g) => ({ ...g, partition: 0 })) });
    const first = sent!.baseOffset;
    process.stdout.write(`produced ${greetings.length} records to ${DEMO_TOPIC} (acks=all, replication factor 3) at offsets ${first}..${first + greetings.length - 1}\n`);
    await consumer.connect();
    consumer.assign([{ topic: DEMO_TOPIC, partition: 0, offset: first }]);
    let read = 0;
    for await (const message of consumer.messages()) {
      process.stdout.write(`consumed ${DEMO_TOPIC}-0 offset ${message.offset}: ${message.key?.toString()} = ${message.value?.toString()}\n`);
      if (++read === greetings.length) break;
    }
    process.stdout.write(`round trip ok. Try: pnpm quill produce ${DEMO_TOPIC} ${connectFlags}, then pnpm quill consume ${DEMO_TOPIC} --from-beginning ${connectFlags}\n`);
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
    await admin.disconnect();
  }
}
