import { once } from 'node:events';
import { QuillError, type ConsumedMessage, type OffsetSpec } from '@quill/client';
import type { Argv } from 'yargs';
import { DEFAULT_TIMEOUT_MS, clientOptions, integer, openQuill, single, topicPartitions } from '../client-options.js';

/** `quill consume TOPIC [--group G]`: records to stdout, one per line. */
export function consumeCommand(yargs: Argv): Argv {
  return yargs.command(
    'consume <topic>',
    'Print the records of a topic, one per line',
    (y) =>
      clientOptions(y)
        .positional('topic', { type: 'string', demandOption: true, describe: 'the topic' })
        .option('from-beginning', { type: 'boolean', describe: 'start at the first record still in the log (default: new records only)' })
        .option('offset', { type: 'number', describe: 'start at this offset, in every partition read', coerce: integer('--offset', 0) })
        .conflicts('from-beginning', 'offset')
        .option('group', {
          type: 'string',
          describe: 'read as a member of this consumer group: its partitions, from its committed offsets, committing what is printed',
          coerce: single<string>('--group'),
        })
        .conflicts('group', ['offset', 'partition'])
        .option('partition', { type: 'number', describe: 'read only this partition (default: all of them)', coerce: integer('--partition', 0) })
        .option('max-messages', { type: 'number', describe: 'exit after this many records', coerce: integer('--max-messages', 1) })
        .option('timeout-ms', {
          type: 'number',
          describe: 'exit when no record arrived for this long, in ms (default: wait for ever)',
          coerce: integer('--timeout-ms', 1),
        }),
    async (args) => {
      const { topic, json, maxMessages, timeoutMs, group } = args;
      const quill = openQuill({ bootstrap: args.bootstrap, logLevel: args.logLevel, requestTimeoutMs: DEFAULT_TIMEOUT_MS });
      const partitions = await topicPartitions(quill, topic, DEFAULT_TIMEOUT_MS);
      if (args.partition !== undefined && !partitions.includes(args.partition)) {
        throw new QuillError('UNKNOWN_TOPIC_OR_PARTITION', `Topic '${topic}' has no partition ${args.partition} (it has ${partitions.length}).`);
      }
      const start: OffsetSpec = args.fromBeginning ? 'earliest' : (args.offset ?? 'latest');
      // An offset asked for explicitly that is not in the log is an error to report, not a reason to jump elsewhere.
      const consumer = quill.consumer({
        autoOffsetReset: args.offset === undefined ? 'earliest' : 'none',
        ...(group !== undefined ? { groupId: group } : {}),
      });
      await consumer.connect();
      if (group !== undefined) await consumer.subscribe({ topics: [topic], fromBeginning: args.fromBeginning === true });
      else consumer.assign((args.partition === undefined ? partitions : [args.partition]).map((partition) => ({ topic, partition, offset: start })));

      // Disconnecting ends the reading below (and, in a group, commits what was printed and
      // leaves the group); every way out goes through it.
      let stopped: Promise<void> | undefined;
      let stopRequested!: () => void;
      const stopping = new Promise<void>((resolve) => (stopRequested = resolve));
      const stop = (): Promise<void> => {
        stopRequested();
        return (stopped ??= consumer.disconnect());
      };
      const onStdoutError = (error: NodeJS.ErrnoException): void => {
        // The reader went away (`quill consume ... | head`): stop quietly, as other Unix tools do.
        if (error.code !== 'EPIPE') process.stderr.write(`quill: cannot write the output: ${error.message}\n`);
        void stop();
      };
      const onSignal = (): void => void stop();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      process.stdout.on('error', onStdoutError);
      let idle: NodeJS.Timeout | undefined;
      const restartIdleTimer = (): void => {
        if (timeoutMs === undefined) return;
        clearTimeout(idle);
        idle = setTimeout(onSignal, timeoutMs);
      };
      let count = 0;
      /** Prints one record; false once --max-messages is reached. */
      const print = async (message: ConsumedMessage): Promise<boolean> => {
        if (!process.stdout.write(`${formatRecord(message, json)}\n`)) {
          // A write error (handled by onStdoutError) ends the wait too.
          await once(process.stdout, 'drain').catch(() => undefined);
        }
        count++;
        restartIdleTimer();
        return maxMessages === undefined || count < maxMessages;
      };
      try {
        restartIdleTimer();
        if (group !== undefined) {
          // run(): a record counts as consumed once printed, so the group commits exactly what was printed.
          const crashed = new Promise<never>((_, reject) => consumer.on(consumer.events.CRASH, ({ error }) => reject(error)));
          await consumer.run({
            eachMessage: async ({ topic: t, partition, message }) => {
              if (stopped) return;
              if (!(await print({ ...message, topic: t, partition }))) void stop();
            },
          });
          await Promise.race([stopping, crashed]);
        } else {
          for await (const message of consumer.messages()) if (!(await print(message))) break;
        }
      } catch (error) {
        if (error instanceof QuillError && error.code === 'OFFSET_OUT_OF_RANGE' && args.offset !== undefined) {
          throw new QuillError(error.code, `--offset ${args.offset} is not in the log: ${error.message}`);
        }
        throw error;
      } finally {
        clearTimeout(idle);
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        process.stdout.off('error', onStdoutError);
        await stop();
      }
      process.stderr.write(`Consumed ${count} record${count === 1 ? '' : 's'}.\n`);
    },
  );
}

/**
 * One record as an output line: its value, or with --json an object with partition, offset,
 * key, value and timestamp. Keys and values are decoded as UTF-8; null stays null (and prints
 * as "null", as Kafka's console consumer does).
 */
export function formatRecord(message: ConsumedMessage, json: boolean): string {
  const value = message.value === null ? null : message.value.toString('utf8');
  if (!json) return value ?? 'null';
  return JSON.stringify({
    partition: message.partition,
    offset: message.offset,
    key: message.key === null ? null : message.key.toString('utf8'),
    value,
    timestamp: message.timestamp,
  });
}
