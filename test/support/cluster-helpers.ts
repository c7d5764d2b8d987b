import type { Admin, Quill } from '@quill/client';

/** The partition as metadata says now (leader, epoch, ISR), refreshed from a broker. */
export async function describePartition(admin: Admin, topic: string, partition: number) {
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  const found = metadata.topics[0]?.partitions.find((p) => p.partitionId === partition);
  if (found === undefined) throw new Error(`no metadata for ${topic}-${partition}`);
  return found;
}

/** Polls `probe` until it returns a value (not undefined/false) or `timeoutMs` passes. */
export async function eventually<T>(probe: () => Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Reads a partition from the start up to its current end; returns value by offset. */
export async function readPartition(quill: Quill, topic: string, partition: number, endOffset: number): Promise<Map<number, string>> {
  const values = new Map<number, string>();
  if (endOffset === 0) return values;
  const consumer = quill.consumer();
  await consumer.connect();
  consumer.assign([{ topic, partition, offset: 'earliest' }]);
  try {
    for await (const message of consumer.messages()) {
      values.set(message.offset, message.value?.toString() ?? '');
      if (message.offset >= endOffset - 1) break;
    }
  } finally {
    await consumer.disconnect();
  }
  return values;
}
