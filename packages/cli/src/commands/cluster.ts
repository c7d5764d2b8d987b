import { ControllerClient } from '@quill/metadata';
import { QuillError, type DescribeClusterResponse__Output, type DescribeQuorumResponse__Output } from '@quill/proto';
import type { Argv } from 'yargs';
import { parseAddressList } from '../parse.js';
import { devControllerAddresses } from './dev.js';

/** `quill cluster status`: the controller quorum and every broker's state. */
export function clusterCommand(yargs: Argv): Argv {
  return yargs.command('cluster <action>', 'Inspect the cluster', (y) =>
    y
      .positional('action', { choices: ['status'] as const })
      .option('controllers', { type: 'string', default: devControllerAddresses().join(','), describe: 'controller addresses, host:port,... (default: those of quill dev)' })
      .option('timeout-ms', { type: 'number', default: 10_000 })
      .option('json', { type: 'boolean', default: false, describe: 'machine-readable output' }),
    async (args) => {
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

function throwIfError(error: { code: string; message: string } | null): void {
  if (error !== null && error.code !== 'NONE') throw new QuillError(error.code, error.message);
}
