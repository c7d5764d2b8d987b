import type { LogLevel } from '@quill/client';
import { ControllerClient } from '@quill/metadata';
import { QuillError, describeError, type DescribeClusterResponse__Output, type DescribeQuorumResponse__Output } from '@quill/proto';
import type { Argv } from 'yargs';
import { clientOptions, withAdmin, writeOut } from '../client-options.js';
import { parseAddressList } from '../parse.js';
import { clusterHealth, formatHealth, type HealthInput } from './cluster-health.js';
import { describeTopic } from './topics.js';
import { devControllerAddresses } from './dev.js';

/**
 * `quill cluster status`: the controller quorum and every broker's state. `quill cluster health`:
 * the problems of the cluster, one line each, exit code 1 when there is any.
 */
export function clusterCommand(yargs: Argv): Argv {
  return yargs.command('cluster <action>', 'Inspect the cluster', (y) =>
    // --bootstrap: health reads the partitions from the brokers.
    clientOptions(y)
      .positional('action', { choices: ['status', 'health'] as const })
      .option('controllers', { type: 'string', default: devControllerAddresses().join(','), describe: 'controller addresses, host:port,... (default: those of quill dev)' })
      .option('timeout-ms', { type: 'number', default: 10_000 }),
    async (args) => {
      if (args.action === 'health') {
        await health(args);
        return;
      }
      const client = new ControllerClient({ controllers: parseAddressList(args.controllers, '--controllers'), timeoutMs: args.timeoutMs });
      try {
        const quorum = await client.call<DescribeQuorumResponse__Output>('DescribeQuorum', {});
        throwIfError(quorum.error);
        const cluster = await client.call<DescribeClusterResponse__Output>('DescribeCluster', { includeFencedBrokers: true });
        throwIfError(cluster.error);
        const status = {
          clusterId: cluster.clusterId,
          leaderId: quorum.leaderId,
          term: quorum.term,
          highWatermark: quorum.highWatermark,
          voters: quorum.voters.map((v) => ({ id: v.replicaId, matchIndex: v.logEndOffset, lag: v.lag, lastContactMs: v.lastFetchTimestampMs })),
          brokers: cluster.brokers.map((b) => ({
            id: b.brokerId,
            state: b.inControlledShutdown ? 'shutting down' : b.fenced ? 'fenced' : 'unfenced',
            epoch: b.brokerEpoch,
            endpoints: b.endpoints.map((e) => `${e.host}:${e.port}`),
            rack: b.rack ?? null,
          })),
        };
        if (args.json) {
          process.stdout.write(`${JSON.stringify(status)}\n`);
          return;
        }
        const lines = [
          `cluster ${status.clusterId}: leader ${status.leaderId}, term ${status.term}, high watermark ${status.highWatermark}`,
          'voters:',
          ...status.voters.map((v) => `  ${v.id}${v.id === status.leaderId ? ' (leader)' : ''}  match ${v.matchIndex}  lag ${v.lag}`),
          `brokers: ${status.brokers.length === 0 ? 'none registered' : ''}`,
          ...status.brokers.map((b) => `  ${b.id}  ${b.state}  epoch ${b.epoch}  ${b.endpoints.join(',')}${b.rack === null ? '' : `  rack ${b.rack}`}`),
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      } finally {
        client.close();
      }
    },
  );
}

async function health(args: { controllers: string; timeoutMs: number; bootstrap: string; logLevel: LogLevel | undefined; json: boolean }): Promise<void> {
  const input: HealthInput = { quorum: { error: 'not asked' }, brokers: [], topics: [] };
  const client = new ControllerClient({ controllers: parseAddressList(args.controllers, '--controllers'), timeoutMs: args.timeoutMs });
  try {
    const quorum = await client.call<DescribeQuorumResponse__Output>('DescribeQuorum', {});
    throwIfError(quorum.error);
    input.quorum = { leaderId: quorum.leaderId };
    const cluster = await client.call<DescribeClusterResponse__Output>('DescribeCluster', { includeFencedBrokers: true });
    throwIfError(cluster.error);
    input.brokers = cluster.brokers.map((b) => ({ id: b.brokerId, fenced: b.fenced, inControlledShutdown: b.inControlledShutdown }));
  } catch (error) {
    // A quorum that cannot answer is the finding, not a failure of the command.
    input.quorum = { error: describeError(error) };
  } finally {
    client.close();
  }
  await withAdmin(args, 'reading the partitions', async (admin) => {
    input.topics = (await admin.fetchTopicMetadata()).topics.map(describeTopic);
  });
  const report = clusterHealth(input);
  writeOut(args.json ? JSON.stringify(report) : formatHealth(report));
  if (!report.healthy) process.exitCode = 1;
}

function throwIfError(error: { code: string; message: string } | null): void {
  if (error !== null && error.code !== 'NONE') throw new QuillError(error.code, error.message);
}
