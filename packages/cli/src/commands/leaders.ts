import { QuillError, type ElectionResult, type TopicPartition } from '@quill/client';
import type { Argv } from 'yargs';
import { adminOptions, findTopic, integer, single, withAdmin, writeOut } from '../client-options.js';

/** `quill leaders elect --preferred [--topic T [--partition P]]`. */
export function leadersCommand(yargs: Argv): Argv {
  return yargs.command('leaders', 'Move partition leaderships', (y) =>
    y
      .command(
        'elect',
        'Give leaderships back to the preferred replicas (the first of each partition, when in the ISR)',
        (c) =>
          adminOptions(c)
            .option('preferred', { type: 'boolean', demandOption: true, describe: 'a preferred-leader election (the only kind this command runs)' })
            .option('topic', { type: 'string', describe: 'only this topic (default: every partition of every topic)', coerce: single<string>('--topic') })
            .option('partition', { type: 'number', describe: 'only this partition of --topic', coerce: integer('--partition', 0) })
            .check((args) => {
              if (args.preferred !== true) throw new QuillError('INVALID_REQUEST', 'Name the election: --preferred.');
              if (args.partition !== undefined && args.topic === undefined) throw new QuillError('INVALID_REQUEST', '--partition needs --topic.');
              return true;
            }),
        (args) =>
          withAdmin(args, 'electing preferred leaders', async (admin) => {
            let partitions: TopicPartition[] | undefined;
            if (args.topic !== undefined) {
              const topic = args.topic;
              const ids = args.partition !== undefined ? [args.partition] : findTopic((await admin.fetchTopicMetadata()).topics, topic).partitions.map((p) => p.partitionId);
              partitions = ids.map((partition) => ({ topic, partition }));
            }
            const results = await admin.electLeaders({ type: 'preferred', ...(partitions === undefined ? {} : { partitions }), timeout: args.timeoutMs });
            writeOut(args.json ? JSON.stringify({ results }) : formatElection(results));
            const failed = results.filter((r) => r.errorCode !== 'NONE' && r.errorCode !== 'ELECTION_NOT_NEEDED');
            if (failed.length > 0) {
              throw new QuillError(failed[0]!.errorCode, `no preferred leader elected for ${failed.map((r) => `${r.topic}-${r.partition}`).join(', ')}`);
            }
          }),
      )
      .demandCommand(1, 'Name a leaders action: elect.'),
  );
}

/** One line per partition: elected, or the code and reason it was not. */
export function formatElection(results: readonly ElectionResult[]): string {
  if (results.length === 0) return 'Every partition is led by its preferred replica.';
  return results
    .map((r) => `${r.topic}-${r.partition}: ${r.errorCode === 'NONE' ? 'preferred leader elected' : `${r.errorCode}${r.errorMessage === undefined ? '' : ` (${r.errorMessage})`}`}`)
    .join('\n');
}
