import type { LogLevel } from '@quill/client';
import { ControllerClient } from '@quill/metadata';
import { describeError } from '@quill/proto';
import type { Argv } from 'yargs';
import { clientOptions, withAdmin, writeOut } from '../client-options.js';
import { parseAddressList } from '../parse.js';
import { clusterHealth, formatHealth, type HealthInput } from './cluster-health.js';
import { clusterStatus, formatStatus, viewFromBrokers, viewFromControllers, type ClusterView } from './cluster-status.js';
import { describeTopic } from './topics.js';

/**
 * `quill cluster status`: the controller quorum and every broker's state. `quill cluster health`:
 * the problems of the cluster, one line each, exit code 1 when there is any.
 */
export function clusterCommand(yargs: Argv): Argv {
  return yargs.command('cluster <action>', 'Inspect the cluster', (y) =>
    // --bootstrap: health reads the partitions from the brokers.
    clientOptions(y)
      .positional('action', { choices: ['status', 'health'] as const })
      .option('controllers', { type: 'string', describe: 'ask these controllers, host:port,..., instead of a broker of --bootstrap' })
      .option('timeout-ms', { type: 'number', default: 10_000 }),
    async (args) => {
      if (args.action === 'health') {
        await health(args);
        return;
      }
      const status = clusterStatus(await readView(args));
      writeOut(args.json ? JSON.stringify(status) : formatStatus(status));
    },
  );
}

interface ClusterArgs {
  controllers: string | undefined;
  timeoutMs: number;
  bootstrap: string;
  logLevel: LogLevel | undefined;
  json: boolean;
}

/** From the controllers of --controllers when given, else through a broker of --bootstrap (which forwards to the active controller). */
async function readView(args: ClusterArgs): Promise<ClusterView> {
  if (args.controllers === undefined) {
    let view: ClusterView | undefined;
    await withAdmin(args, 'asking the cluster for its quorum and brokers', async (admin) => {
      view = await viewFromBrokers(admin);
    });
    return view!;
  }
  const client = new ControllerClient({ controllers: parseAddressList(args.controllers, '--controllers'), timeoutMs: args.timeoutMs });
  try {
    return await viewFromControllers(client);
  } finally {
    client.close();
  }
}

async function health(args: ClusterArgs): Promise<void> {
  const input: HealthInput = { quorum: { error: 'not asked' }, brokers: [], topics: [] };
  try {
    const view = await readView(args);
    input.quorum = { leaderId: view.quorum.leaderId };
    input.brokers = view.brokers.map((b) => ({ id: b.nodeId, fenced: b.fenced, inControlledShutdown: b.inControlledShutdown }));
  } catch (error) {
    // A quorum that cannot answer is the finding, not a failure of the command.
    input.quorum = { error: describeError(error) };
  }
  await withAdmin(args, 'reading the partitions', async (admin) => {
    input.topics = (await admin.fetchTopicMetadata()).topics.map(describeTopic);
  });
  const report = clusterHealth(input);
  writeOut(args.json ? JSON.stringify(report) : formatHealth(report));
  if (!report.healthy) process.exitCode = 1;
}
