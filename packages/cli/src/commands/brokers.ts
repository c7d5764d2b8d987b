import type { Argv } from 'yargs';
import { clientOptions, withAdmin, writeOut } from '../client-options.js';
import { brokerRows, formatBrokers, type BrokerRow } from './brokers-list.js';

/** `quill brokers list`: every registered broker with its state, rack, endpoint and load. */
export function brokersCommand(yargs: Argv): Argv {
  return yargs.command('brokers <action>', 'Inspect the brokers', (y) =>
    clientOptions(y)
      .positional('action', { choices: ['list'] as const })
      .option('timeout-ms', { type: 'number', default: 10_000 }),
    async (args) => {
      let rows: BrokerRow[] = [];
      await withAdmin(args, 'listing the brokers', async (admin) => {
        const [brokers, metadata] = await Promise.all([admin.describeBrokers(), admin.fetchTopicMetadata()]);
        rows = brokerRows(brokers, metadata.topics);
      });
      writeOut(args.json ? JSON.stringify({ brokers: rows }) : formatBrokers(rows));
    },
  );
}
