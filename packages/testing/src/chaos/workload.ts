import type { Consumer, Producer, Quill } from '@quill/client';
import { describeError } from '@quill/proto';
import type { Random } from '@quill/random';
import type { History } from './history.js';

export interface WriterOptions {
  quill: Quill;
  /** Topics each send picks from (seeded), so every checked topic gets writes. */
  topics: readonly string[];
  /** Writers, each with its own idempotent producer, sending one value at a time. */
  writers: number;
  /** Keys writers choose from (they spread over the partitions by murmur2). */
  keys: number;
  /** Target writes per second over all writers. */
  rate: number;
  history: History;
  random: Random;
  /** How long a leader may wait for replication before answering REQUEST_TIMED_OUT, in ms. */
  produceTimeoutMs: number;
  /**
   * A send still unanswered after this long (the client's own retries included) is recorded
   * as `info` and its producer abandoned for a new one: a stuck client must not stop the run.
   */
  sendDeadlineMs: number;
  /** Writers stop starting sends once this returns true. */
  done: () => boolean;
}

/**
 * Producers writing unique values `w<writer>-<n>` with acks=all to one of the topics, each send
 * recorded as invoke then ok (partition and offset), fail or info. A writer sends one value at a
 * time, so its acknowledged values have a defined order.
 */
export async function runWriters(options: WriterOptions): Promise<void> {
  const intervalMs = (1000 * options.writers) / options.rate;
  await Promise.all(
    Array.from({ length: options.writers }, (_, writer) => runWriter(options, writer, intervalMs, options.random.fork())),
  );
}

async function runWriter(options: WriterOptions, writer: number, intervalMs: number, random: Random): Promise<void> {
  const process = `w${writer}`;
  const newProducer = async (): Promise<Producer> => {
    const producer = options.quill.producer({ idempotent: true });
    await connectUntilDone(() => producer.connect(), options.done);
    return producer;
  };
  let producer = await newProducer();
  let next = options.history.now();
  try {
    for (let n = 0; !options.done(); n++) {
      const value = `${process}-${n}`;
      const key = `k${random.int(0, options.keys - 1)}`;
      const topic = random.pick(options.topics);
      options.history.add({ type: 'invoke', process, topic, value, key });
      const sent = producer.send({ topic, acks: -1, timeout: options.produceTimeoutMs, messages: [{ key, value }] });
      const outcome = await withDeadline(sent, options.sendDeadlineMs).then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      );
      if ('error' in outcome) {
        // The write may or may not be in the log (a timeout, or an error after the leader
        // appended it): indeterminate, Jepsen's `info`, never counted as lost or failed.
        options.history.add({ type: 'info', process, topic, value, key, error: describeError(outcome.error) });
        if (outcome.error instanceof SendDeadlineError) {
          sent.catch(() => undefined);
          void producer.disconnect().catch(() => undefined);
          producer = await newProducer();
        }
      } else {
        const [metadata] = outcome.result;
        if (metadata === undefined) options.history.add({ type: 'info', process, topic, value, key, error: 'send returned no metadata' });
        else options.history.add({ type: 'ok', process, topic, value, key, partition: metadata.partition, offset: metadata.baseOffset });
      }
      next += intervalMs;
      const wait = next - options.history.now();
      if (wait > 0) await sleep(wait);
      else next = options.history.now();
    }
  } finally {
    await withDeadline(producer.disconnect(), options.sendDeadlineMs).catch(() => undefined);
  }
}

export interface ReaderOptions {
  quill: Quill;
  topics: readonly string[];
  /** Partitions of each topic. */
  partitions: number;
  /** Consumers, each assigned every partition of every topic from the beginning. */
  readers: number;
  history: History;
  /** Readers stop once this returns true (checked between records and after errors). */
  done: () => boolean;
  /** Pause before a crashed reader starts again. */
  restartBackoffMs: number;
}

/**
 * Consumers reading every partition from the start, each record a `poll` event. A reader whose
 * consumer fails starts a new one at the next offset of each partition, so within one reader
 * offsets must rise by one (the checker's non-monotonic and skipped polls).
 */
export class Readers {
  private readonly consumers = new Set<Consumer>();
  private running: Promise<void> | undefined;

  constructor(private readonly options: ReaderOptions) {}

  start(): void {
    this.running = Promise.all(Array.from({ length: this.options.readers }, (_, i) => this.runReader(`r${i}`))).then(() => undefined);
  }

  /** Stops every reader (their consumers disconnect) and waits for them to end. */
  async stop(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.disconnect().catch(() => undefined)));
    await this.running;
  }

  private async runReader(process: string): Promise<void> {
    const positions = new Map<string, number>();
    while (!this.options.done()) {
      const consumer = this.options.quill.consumer({ maxWaitTimeInMs: 500 });
      this.consumers.add(consumer);
      try {
        await consumer.connect();
        consumer.assign(
          this.options.topics.flatMap((topic) =>
            Array.from({ length: this.options.partitions }, (_, partition) => ({
              topic,
              partition,
              offset: positions.get(`${topic}/${partition}`) ?? ('earliest' as const),
            })),
          ),
        );
        for await (const message of consumer.messages()) {
          positions.set(`${message.topic}/${message.partition}`, message.offset + 1);
          this.options.history.add({ type: 'poll', process, topic: message.topic, partition: message.partition, offset: message.offset, value: message.value?.toString() ?? '' });
          if (this.options.done()) break;
        }
      } catch {
        // A consumer that gave up (retries exhausted during a fault): start another below.
      } finally {
        this.consumers.delete(consumer);
        await consumer.disconnect().catch(() => undefined);
      }
      if (!this.options.done()) await sleep(this.options.restartBackoffMs);
    }
  }
}

/** High watermarks by topic, then partition. */
export type EndOffsets = ReadonlyMap<string, ReadonlyMap<number, number>>;

/** A record the final read saw. */
export interface ReadRecord {
  topic: string;
  partition: number;
  offset: number;
  value: string;
}

/**
 * After the faults: reads every partition from the start up to `endOffsets` (what the
 * cluster reports as the high watermarks once healed); `record` keeps each record (by default a
 * `poll` of reader `final`).
 */
export async function finalRead(options: {
  quill: Quill;
  endOffsets: EndOffsets;
  history: History;
  timeoutMs: number;
  record?: (read: ReadRecord) => void;
}): Promise<{ complete: boolean }> {
  const record = options.record ?? ((read: ReadRecord): void => options.history.add({ type: 'poll', process: 'final', ...read }));
  const remaining = new Map<string, { topic: string; partition: number; end: number }>();
  for (const [topic, ends] of options.endOffsets) {
    for (const [partition, end] of ends) if (end > 0) remaining.set(`${topic}/${partition}`, { topic, partition, end });
  }
  if (remaining.size === 0) return { complete: true };
  const consumer = options.quill.consumer({ maxWaitTimeInMs: 500 });
  const timer = setTimeout(() => void consumer.disconnect().catch(() => undefined), options.timeoutMs);
  try {
    await consumer.connect();
    consumer.assign([...remaining.values()].map(({ topic, partition }) => ({ topic, partition, offset: 'earliest' as const })));
    for await (const message of consumer.messages()) {
      record({ topic: message.topic, partition: message.partition, offset: message.offset, value: message.value?.toString() ?? '' });
      const key = `${message.topic}/${message.partition}`;
      if (message.offset >= (remaining.get(key)?.end ?? 0) - 1) remaining.delete(key);
      if (remaining.size === 0) break;
    }
  } catch {
    // Timed out or failed: the report says the final read was incomplete.
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
  }
  return { complete: remaining.size === 0 };
}

/** Pause between attempts to connect a client while the cluster is down. */
const CONNECT_RETRY_MS = 200;

async function connectUntilDone(connect: () => Promise<void>, done: () => boolean): Promise<void> {
  for (;;) {
    try {
      await connect();
      return;
    } catch (error) {
      if (done()) throw error;
      await sleep(CONNECT_RETRY_MS);
    }
  }
}

/** A send the client neither answered nor failed in time. */
export class SendDeadlineError extends Error {}

function withDeadline<T>(promise: Promise<T>, deadlineMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SendDeadlineError(`CLIENT_STUCK: no answer from the client within ${deadlineMs} ms`)), deadlineMs);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
