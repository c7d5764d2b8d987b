import type { LogLevel } from '@quill/client';
import { ControllerClient } from '@quill/metadata';
import { describeError } from '@quill/proto';
import type { Argv } from 'yargs';
import { clientOptions, withAdmin, writeOut } from '../client-options.js';
import { parseAddressList } from '../parse.js';
import { clusterHealth, formatHealth, type HealthInput } from './cluster-health.js';
import { formatStatus, statusFromBrokers, statusFromControllers, type ClusterStatus } from './cluster-status.js';
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
      const status = await readStatus(args);
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
async function readStatus(args: ClusterArgs): Promise<ClusterStatus> {
  if (args.controllers === undefined) {
    let status: ClusterStatus | undefined;
    await withAdmin(args, 'asking the cluster for its status', async (admin) => {
      status = await statusFromBrokers(admin);
    });
    return status!;
  }
  const client = new ControllerClient({ controllers: parseAddressList(args.controllers, '--controllers'), timeoutMs: args.timeoutMs });
  try {
    return await statusFromControllers(client);
  } finally {
    client.close();
  }
}

async function health(args: ClusterArgs): Promise<void> {
  const input: HealthInput = { quorum: { error: 'not asked' }, brokers: [], topics: [] };
  try {
    const status = await readStatus(args);
    input.quorum = { leaderId: status.leaderId };
    input.brokers = status.brokers.map((b) => ({ id: b.id, fenced: b.state === 'fenced', inControlledShutdown: b.state === 'shutting down' }));
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
