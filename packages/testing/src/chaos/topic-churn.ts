import type { Consumer, Producer, Quill } from '@quill/client';
import { CHURN_FINAL_READER, type History } from './history.js';
import { finalRead } from './workload.js';

export interface TopicChurnOptions {
  quill: Quill;
  /** The churned topic: never one of the checked topics. */
  topic: string;
  partitions: number;
  replicationFactor: number;
  history: History;
  /** Writes per second of the side producer. */
  rate: number;
  /** Replication wait of its acks=all sends. */
  produceTimeoutMs: number;
  /** How long one delete-and-create may take before the fault gives up on it. */
  recreateTimeoutMs: number;
  /** Pause between attempts while the cluster refuses a delete or a create. */
  retryBackoffMs: number;
  /** The loops also stop once this returns true. */
  done: () => boolean;
}

/**
 * The topic-churn side workload: a small producer and a reader on a topic that the nemesis
 * deletes and re-creates under the same name. Values are `i<incarnation>-<n>`, so a record read
 * from a re-created topic tells which incarnation it was written to; the checker's
 * `staleIncarnationReads` flags a record from before the topic's (re)creation. Nothing here
 * counts in the checked topics' accounting.
 */
export class TopicChurn {
  private incarnation = -1;
  private loops: { stop: () => Promise<void> } | undefined;

  constructor(private readonly options: TopicChurnOptions) {}

  /** The incarnation the topic is at (-1 before the first creation). */
  get current(): number {
    return this.incarnation;
  }

  /** Creates the topic (incarnation 0) and starts writing and reading it. */
  async start(): Promise<void> {
    await this.create(Date.now() + this.options.recreateTimeoutMs);
  }

  /** Stops the side producer and reader, deletes the topic, creates it again, starts them again. */
  async recreate(): Promise<{ incarnation: number; created: boolean }> {
    await this.stopLoops();
    const created = await this.create(Date.now() + this.options.recreateTimeoutMs, { deleteFirst: true });
    return { incarnation: this.incarnation, created };
  }

  async stop(): Promise<void> {
    await this.stopLoops();
  }

  /** After healing: reads the topic from the start up to its high watermarks as reader CHURN_FINAL_READER. */
  async finalRead(timeoutMs: number): Promise<{ complete: boolean }> {
    const admin = this.options.quill.admin();
    let ends: Map<number, number>;
    try {
      await admin.connect();
      ends = new Map((await admin.fetchTopicOffsets(this.options.topic)).map((p) => [p.partition, p.high]));
    } catch {
      return { complete: false };
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    return finalRead({
      quill: this.options.quill,
      endOffsets: new Map([[this.options.topic, ends]]),
      history: this.options.history,
      timeoutMs,
      record: (read) => this.options.history.add({ type: 'churn-poll', process: CHURN_FINAL_READER, ...read }),
    });
  }

  /**
   * Deletes (when asked) and creates the topic, retrying until the deadline: a delete whose answer
   * was lost may still have happened, a create may find the old topic not yet gone.
   */
  private async create(deadline: number, { deleteFirst = false } = {}): Promise<boolean> {
    const admin = this.options.quill.admin();
    try {
      await admin.connect();
      let deleted = !deleteFirst;
      for (;;) {
        try {
          if (!deleted) {
            await admin.deleteTopics({ topics: [this.options.topic] }).catch((error: unknown) => {
              if ((error as { code?: string }).code !== 'UNKNOWN_TOPIC_OR_PARTITION') throw error;
            });
            deleted = true;
          }
          await admin.createTopics({ topics: [{ topic: this.options.topic, numPartitions: this.options.partitions, replicationFactor: this.options.replicationFactor }] });
          break;
        } catch (error) {
          // A create that finds the topic still there deletes it again (the first delete may not have landed).
          if ((error as { code?: string }).code === 'TOPIC_ALREADY_EXISTS') deleted = false;
          if (Date.now() > deadline) return false;
          await sleep(this.options.retryBackoffMs);
        }
      }
    } catch {
      return false;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    this.incarnation++;
    this.options.history.add({ type: 'topic-created', topic: this.options.topic, incarnation: this.incarnation });
    this.loops = this.startLoops(this.incarnation);
    return true;
  }

  private startLoops(incarnation: number): { stop: () => Promise<void> } {
    let stopped = false;
    const running = (): boolean => !stopped && !this.options.done();
    const consumers = new Set<Consumer>();
    let producer: Producer | undefined;
    const write = async (): Promise<void> => {
      // A new producer per incarnation: the re-created partitions know nothing of an old producer's sequences.
      producer = this.options.quill.producer({ idempotent: true });
      const intervalMs = 1000 / this.options.rate;
      try {
        await producer.connect();
        for (let n = 0; running(); n++) {
          await producer
            .send({ topic: this.options.topic, acks: -1, timeout: this.options.produceTimeoutMs, messages: [{ key: `c${n}`, value: `i${incarnation}-${n}` }] })
            .catch(() => undefined);
          await sleep(intervalMs);
        }
      } catch {
        // The producer could not connect during a fault: this incarnation has no side writes.
      }
    };
    const read = async (): Promise<void> => {
      const process = `c${incarnation}`;
      const positions = new Map<number, number>();
      while (running()) {
        const consumer = this.options.quill.consumer({ maxWaitTimeInMs: 500 });
        consumers.add(consumer);
        try {
          await consumer.connect();
          consumer.assign(Array.from({ length: this.options.partitions }, (_, partition) => ({ topic: this.options.topic, partition, offset: positions.get(partition) ?? ('earliest' as const) })));
          for await (const message of consumer.messages()) {
            positions.set(message.partition, message.offset + 1);
            this.options.history.add({ type: 'churn-poll', process, topic: message.topic, partition: message.partition, offset: message.offset, value: message.value?.toString() ?? '' });
            if (!running()) break;
          }
        } catch {
          // The consumer gave up during a fault: another starts at the same positions.
        } finally {
          consumers.delete(consumer);
          await consumer.disconnect().catch(() => undefined);
        }
        if (running()) await sleep(this.options.retryBackoffMs);
      }
    };
    const loops = Promise.all([write(), read()]);
    return {
      stop: async () => {
        stopped = true;
        await Promise.all([...consumers].map((c) => c.disconnect().catch(() => undefined)));
        // A send stuck in a fault must not hold the next incarnation back for good.
        await Promise.race([loops, sleep(this.options.recreateTimeoutMs)]);
        await producer?.disconnect().catch(() => undefined);
      },
    };
  }

  private async stopLoops(): Promise<void> {
    const loops = this.loops;
    this.loops = undefined;
    await loops?.stop();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
