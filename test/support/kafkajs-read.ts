import type { Kafka } from 'kafkajs';

/** Reads the first `count` values of `topic` from its start with a KafkaJS consumer group member, then leaves. */
export async function readValuesWithKafkaJs(client: Kafka, topic: string, groupId: string, count: number): Promise<string[]> {
  const consumer = client.consumer({ groupId, sessionTimeout: 6000, heartbeatInterval: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values: string[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ message }) => {
            values.push(message.value!.toString());
            if (values.length === count) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return values;
}

/** The error a KafkaJS client gets connecting an admin and listing topics, or undefined when it succeeds. */
export async function listTopicsError(client: Kafka): Promise<Error | undefined> {
  const admin = client.admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return undefined;
  } catch (error) {
    return error as Error;
  } finally {
    await admin.disconnect();
  }
}
