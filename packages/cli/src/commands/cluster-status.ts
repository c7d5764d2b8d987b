import { brokerState, type Admin, type BrokerState, type QuorumDescription } from '@quill/client';
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

/** What the cluster says about itself: its id, the controller quorum and every registered broker. */
export interface ClusterView {
  clusterId: string;
  quorum: QuorumDescription;
  brokers: BrokerState[];
}

/** The view as a broker of --bootstrap forwards it from the active controller. */
export async function viewFromBrokers(admin: Admin): Promise<ClusterView> {
  const [quorum, brokers, cluster] = await Promise.all([admin.describeMetadataQuorum(), admin.describeBrokers(), admin.describeCluster()]);
  return { clusterId: cluster.clusterId, quorum, brokers };
}

/** The view as the controllers of --controllers give it. */
export async function viewFromControllers(client: ControllerClient): Promise<ClusterView> {
  const quorum = await client.call<DescribeQuorumResponse__Output>('DescribeQuorum', {});
  throwIfError(quorum.error);
  const cluster = await client.call<DescribeClusterResponse__Output>('DescribeCluster', { includeFencedBrokers: true });
  throwIfError(cluster.error);
  return { clusterId: cluster.clusterId, quorum, brokers: cluster.brokers.map(brokerState) };
}

/** The quorum and brokers as `quill cluster status` prints them. */
export function clusterStatus({ clusterId, quorum, brokers }: ClusterView): ClusterStatus {
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
