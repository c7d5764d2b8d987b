import type { Argv } from 'yargs';
import { adminOptions, integer, withAdmin, writeOut } from '../client-options.js';
import { brokerRows, formatBrokers, type BrokerRow } from './brokers-list.js';
import { decommissionBroker } from './partitions/decommission.js';

/** A decommission waits for its moves far longer than a plain admin call. */
const DECOMMISSION_TIMEOUT_MS = 600_000;

/** `quill brokers list` and `quill brokers decommission <id>`. */
export function brokersCommand(yargs: Argv): Argv {
  return yargs.command('brokers', 'Inspect and retire brokers', (y) =>
    y
      .command(
        'list',
        'Every registered broker with its state, rack, endpoint, replicas and leaderships',
        (c) => adminOptions(c),
        async (args) => {
          let rows: BrokerRow[] = [];
          await withAdmin(args, 'listing the brokers', async (admin) => {
            const [brokers, metadata] = await Promise.all([admin.describeBrokers(), admin.fetchTopicMetadata()]);
            rows = brokerRows(brokers, metadata.topics);
          });
          writeOut(args.json ? JSON.stringify({ brokers: rows }) : formatBrokers(rows));
        },
      )
      .command(
        'decommission <id>',
        'Move every replica off a broker (waiting for the moves), then unregister it once it is stopped',
        (c) =>
          adminOptions(c)
            .positional('id', { type: 'number', demandOption: true, describe: 'the broker to retire', coerce: integer('<id>', 0) })
            .option('throttle', { type: 'number', describe: 'bytes/s each receiving broker may fetch for the moves', coerce: integer('--throttle', 1) })
            .option('timeout-ms', { type: 'number', default: DECOMMISSION_TIMEOUT_MS, describe: 'give up waiting for the moves after this, in ms', coerce: integer('--timeout-ms', 1) }),
        (args) =>
          withAdmin(args, `decommissioning broker ${args.id}`, async (admin) => {
            const outcome = await decommissionBroker(admin, args.id, args.throttle, { deadline: Date.now() + args.timeoutMs });
            if (args.json) {
              writeOut(JSON.stringify(outcome));
              return;
            }
            const moved = `Moved ${outcome.moved} partition(s) off broker ${outcome.broker}; it holds no replicas.`;
            writeOut(outcome.unregistered ? `${moved} Broker ${outcome.broker} is unregistered.` : `${moved} Stop it, then run this again to unregister it.`);
          }),
      )
      .demandCommand(1, 'Name a brokers action: list or decommission.'),
  );
}
