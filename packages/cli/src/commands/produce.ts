import { createInterface } from 'node:readline';
import {
  QuillError,
  createDefaultPartitioner,
  type Acks,
  type Message,
  type Partitioner,
  type RecordMetadata,
} from '@quill/client';
import type { Argv } from 'yargs';
import { DEFAULT_TIMEOUT_MS, clientOptions, integer, openQuill, single, topicPartitions, withDeadline } from '../client-options.js';

/** A send goes out when it has this many records, ... */
const MAX_BATCH_RECORDS = 5000;
/** ... or this many bytes of keys and values (half the broker's default max.message.bytes: room for the records' own overhead), ... */
const MAX_BATCH_BYTES = 512 * 1024;
/** ... or when its first record has waited this long, so interactive input is not held back. */
const LINGER_MS = 50;

/** How each line becomes a record: the whole line is the value, with one key for all, or split at a separator. */
export type KeyMode = { key: string } | { separator: string } | undefined;

/** `quill produce TOPIC`: stdin lines as records. */
export function produceCommand(yargs: Argv): Argv {
  return yargs.command(
    'produce <topic>',
    'Write the lines of stdin to a topic, one record per line',
    (y) =>
      clientOptions(y)
        .positional('topic', { type: 'string', demandOption: true, describe: 'the topic' })
        .option('key', { type: 'string', describe: 'the key of every record', coerce: single<string>('--key') })
        .option('key-separator', {
          type: 'string',
          describe: 'split each line at the first SEP into key and value',
          coerce: separator,
        })
        .conflicts('key', 'key-separator')
        .option('acks', { type: 'string', default: '-1', describe: 'replicas that must have a record: -1 (all), 0 or 1', coerce: parseAcks })
        .option('partition', {
          type: 'number',
          describe: 'write every record to this partition (default: by key, or spread when there is none)',
          coerce: integer('--partition', 0),
        })
        .option('timeout-ms', {
          type: 'number',
          default: DEFAULT_TIMEOUT_MS,
          describe: 'give up on a batch the cluster has not acknowledged within this, in ms',
          coerce: integer('--timeout-ms', 1),
        }),
    async (args) => {
      const { topic, acks, partition, timeoutMs, json } = args;
      const keyMode: KeyMode =
        args.key !== undefined ? { key: args.key } : args.keySeparator !== undefined ? { separator: args.keySeparator } : undefined;
      const quill = openQuill({ bootstrap: args.bootstrap, logLevel: args.logLevel, requestTimeoutMs: timeoutMs });
      // Checked first so that a typo fails at once instead of after the client's retries.
      const partitions = await topicPartitions(quill, topic, timeoutMs);
      if (partition !== undefined && !partitions.includes(partition)) {
        throw new QuillError('UNKNOWN_TOPIC_OR_PARTITION', `Topic '${topic}' has no partition ${partition} (it has ${partitions.length}).`);
      }

      const partitionOf = new WeakMap<Message, number>();
      const producer = quill.producer({ createPartitioner: () => recordingPartitioner(partitionOf), allowAutoTopicCreation: false });
      await withDeadline(producer.connect(), timeoutMs, 'connecting the producer', () => producer.disconnect());
      const started = Date.now();
      let sent = 0;
      const batcher = new Batcher<Message>(
        async (messages) => {
          const results = await withDeadline(
            producer.send({ topic, acks, timeout: timeoutMs, messages }),
            timeoutMs,
            `producing to ${topic}`,
            () => producer.disconnect(),
          );
          sent += messages.length;
          if (json) {
            const placed = messages.map((m) => ({ partition: m.partition ?? partitionOf.get(m)! }));
            const lines = recordOffsets(placed, results).map((r) => JSON.stringify({ topic, ...r }));
            process.stdout.write(`${lines.join('\n')}\n`);
          }
        },
        { maxRecords: MAX_BATCH_RECORDS, maxBytes: MAX_BATCH_BYTES, lingerMs: LINGER_MS, sizeOf: messageSize },
      );

      const input = createInterface({ input: process.stdin, crlfDelay: Infinity });
      // Ctrl-C ends the input like Ctrl-D: what was read is still sent.
      const endInput = (): void => input.close();
      process.once('SIGINT', endInput);
      if (process.stdin.isTTY) process.stderr.write('Type one record per line; Ctrl-D sends the rest and exits.\n');
      let failure: unknown;
      try {
        let lineNumber = 0;
        for await (const line of input) {
          lineNumber++;
          await batcher.add(lineToMessage(line, lineNumber, keyMode, partition));
        }
      } catch (error) {
        failure = error;
      } finally {
        process.off('SIGINT', endInput);
        input.close();
      }
      try {
        // Lines read before a bad line are sent; after a failed send nothing more is.
        await batcher.close();
      } catch (error) {
        failure ??= error;
      } finally {
        await producer.disconnect();
      }
      if (failure !== undefined) throw withCount(failure, sent);
      const seconds = (Date.now() - started) / 1000;
      process.stderr.write(`Sent ${sent} record${sent === 1 ? '' : 's'} to ${topic} in ${seconds.toFixed(1)} s.\n`);
    },
  );
}

/** --acks as the client takes it; 'all' is Kafka's name for -1. */
export function parseAcks(value: string | string[]): Acks {
  const text = single<string>('--acks')(value);
  switch (text) {
    case '-1':
    case 'all':
      return -1;
    case '0':
      return 0;
    case '1':
      return 1;
    default:
      throw new QuillError('INVALID_CONFIG', `--acks must be -1 (or all), 0 or 1, got '${text}'.`);
  }
}

function separator(value: string | string[]): string {
  const text = single<string>('--key-separator')(value);
  if (text === '') throw new QuillError('INVALID_CONFIG', '--key-separator must not be empty.');
  return text;
}

/** One input line as a record. `lineNumber` (from 1) is for the error about a line without the separator. */
export function lineToMessage(line: string, lineNumber: number, keyMode: KeyMode, partition: number | undefined): Message {
  const message: Message =
    keyMode === undefined
      ? { value: line }
      : 'key' in keyMode
        ? { key: keyMode.key, value: line }
        : splitLine(line, lineNumber, keyMode.separator);
  if (partition !== undefined) message.partition = partition;
  return message;
}

function splitLine(line: string, lineNumber: number, separator: string): Message {
  const at = line.indexOf(separator);
  if (at < 0) throw new QuillError('INVALID_RECORD', `Line ${lineNumber} has no key separator '${separator}'.`);
  return { key: line.slice(0, at), value: line.slice(at + separator.length) };
}

function messageSize(message: Message): number {
  return Buffer.byteLength(String(message.key ?? '')) + Buffer.byteLength(String(message.value ?? ''));
}

/**
 * The client's default partitioner, remembering where it put each message: a send answers with
 * the base offset of each partition, and --json reports every record's own offset.
 */
function recordingPartitioner(partitionOf: WeakMap<Message, number>): Partitioner {
  // A random start, as the client's own default, spreads unkeyed lines of successive runs over the partitions.
  const inner = createDefaultPartitioner({ next: Math.random });
  return (args) => {
    const partition = inner(args);
    partitionOf.set(args.message, partition);
    return partition;
  };
}

/**
 * Each record's partition and offset, in input order: a partition's records of one send are
 * consecutive from the base offset its answer gives. Offsets are null with acks 0 (no answer).
 */
export function recordOffsets(
  records: ReadonlyArray<{ partition: number }>,
  results: readonly RecordMetadata[],
): Array<{ partition: number; offset: number | null }> {
  const next = new Map(results.map((r) => [r.partition, r.baseOffset]));
  return records.map(({ partition }) => {
    const offset = next.get(partition);
    if (offset === undefined || offset < 0) return { partition, offset: null };
    next.set(partition, offset + 1);
    return { partition, offset };
  });
}

/** A failure with how many records made it before it, so a rerun knows where to pick up. */
function withCount(failure: unknown, sent: number): unknown {
  if (!(failure instanceof QuillError)) return failure;
  const note = `${sent} record${sent === 1 ? ' was' : 's were'} sent before this`;
  return new QuillError(failure.code, `${failure.message.replace(/\.$/, '')} (${note}).`, { cause: failure });
}

export interface BatcherOptions<T> {
  maxRecords: number;
  maxBytes: number;
  lingerMs: number;
  sizeOf: (item: T) => number;
}

/**
 * Groups records into sends: a batch goes out when full (records or bytes) or when its first
 * record has lingered long enough. One send at a time, so records keep their input order in
 * every partition, while the next batch fills; `add` waits when that batch is full too, which
 * holds back the input. After a send fails nothing more is sent, and `add`/`close` throw its error.
 */
export class Batcher<T> {
  private pending: T[] = [];
  private pendingBytes = 0;
  private sending: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly send: (batch: T[]) => Promise<void>,
    private readonly options: BatcherOptions<T>,
  ) {}

  /** Queues a record; resolves once the caller may add the next one. */
  async add(item: T): Promise<void> {
    this.throwIfFailed();
    this.pending.push(item);
    this.pendingBytes += this.options.sizeOf(item);
    if (this.pending.length >= this.options.maxRecords || this.pendingBytes >= this.options.maxBytes) {
      await this.sendPending();
      this.throwIfFailed();
    } else {
      this.timer ??= setTimeout(() => void this.sendPending(), this.options.lingerMs);
    }
  }

  /** Sends what is pending and waits for every send to finish. */
  async close(): Promise<void> {
    await this.sendPending();
    while (this.sending) await this.sending;
    this.throwIfFailed();
  }

  /** Waits for the send in flight, then starts sending the pending records (without waiting for that). */
  private async sendPending(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.sending) await this.sending;
    // Another caller (the linger timer, or add) may have sent them while this one waited.
    if (this.failure || this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    this.sending = this.send(batch)
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => {
        this.sending = undefined;
      });
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}
