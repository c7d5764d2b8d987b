import type { Admin, BrokerState, QuorumDescription } from '@quill/client';
import type { ControllerClient } from '@quill/metadata';
import { QuillError, type DescribeClusterResponse__Output, type DescribeQuorumResponse__Output } from '@quill/proto';

/** What `quill cluster status` shows: the controller quorum and every registered broker. */
export interface ClusterStatus {
  clusterId: string;
  leaderId: number;
  term: number;
  highWatermark: number;
  voters: Array<{ id: number; matchIndex: number; lag: number; lastContactMs: number }>;
  brokers: Array<{ id: number; state: 'unfenced' | 'fenced' | 'shutting down'; epoch: number; endpoints: string[]; rack: string | null }>;
}

/** The status as a broker of --bootstrap forwards it from the active controller. */
export async function statusFromBrokers(admin: Admin): Promise<ClusterStatus> {
  const [quorum, brokers, cluster] = await Promise.all([admin.describeMetadataQuorum(), admin.describeBrokers(), admin.describeCluster()]);
  return clusterStatus(cluster.clusterId, quorum, brokers);
}

/** The status as the controllers of --controllers give it. */
export async function statusFromControllers(client: ControllerClient): Promise<ClusterStatus> {
  const quorum = await client.call<DescribeQuorumResponse__Output>('DescribeQuorum', {});
  throwIfError(quorum.error);
  const cluster = await client.call<DescribeClusterResponse__Output>('DescribeCluster', { includeFencedBrokers: true });
  throwIfError(cluster.error);
  const brokers: BrokerState[] = cluster.brokers.map((b) => ({
    nodeId: b.brokerId,
    state: b.inControlledShutdown ? 'shutting down' : b.fenced ? 'fenced' : 'running',
    epoch: b.brokerEpoch,
    rack: b.rack ?? null,
    endpoints: b.endpoints,
  }));
  return clusterStatus(cluster.clusterId, quorum, brokers);
}

/** The quorum and brokers as the command prints them. */
export function clusterStatus(clusterId: string, quorum: QuorumDescription, brokers: readonly BrokerState[]): ClusterStatus {
  return {
    clusterId,
    leaderId: quorum.leaderId,
    term: quorum.term,
    highWatermark: quorum.highWatermark,
    voters: quorum.voters.map((v) => ({ id: v.replicaId, matchIndex: v.logEndOffset, lag: v.lag, lastContactMs: v.lastFetchTimestampMs })),
    brokers: brokers.map((b) => ({
      id: b.nodeId,
      // The word this command has always printed for a serving broker.
      state: b.state === 'running' ? 'unfenced' : b.state,
      epoch: b.epoch,
      endpoints: b.endpoints.map((e) => `${e.host}:${e.port}`),
      rack: b.rack,
    })),
  };
}

/** The human-readable form: the quorum first, then one line per broker. */
export function formatStatus(status: ClusterStatus): string {
  return [
    `cluster ${status.clusterId}: leader ${status.leaderId}, term ${status.term}, high watermark ${status.highWatermark}`,
    'voters:',
    ...status.voters.map((v) => `  ${v.id}${v.id === status.leaderId ? ' (leader)' : ''}  match ${v.matchIndex}  lag ${v.lag}`),
    `brokers: ${status.brokers.length === 0 ? 'none registered' : ''}`,
    ...status.brokers.map((b) => `  ${b.id}  ${b.state}  epoch ${b.epoch}  ${b.endpoints.join(',')}${b.rack === null ? '' : `  rack ${b.rack}`}`),
  ].join('\n');
}

function throwIfError(error: { code: string; message: string } | null): void {
  if (error !== null && error.code !== 'NONE') throw new QuillError(error.code, error.message);
}
