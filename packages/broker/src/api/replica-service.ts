import type { ReplicaHandlers } from '@quill/proto';
import type { ReplicaManager } from '../replica-manager/replica-manager.js';
import { offsetForLeaderEpochHandler } from './replica/offset-for-leader-epoch.js';
import { replicaFetchStreamHandler } from './replica/replica-fetch-stream.js';
import { replicaFetchHandler } from './replica/replica-fetch.js';

/**
 * The broker-to-broker Replica service, leader side: follower fetches, unary or on a long-lived
 * stream (they also report the follower's position for the ISR and the high watermark), and
 * OffsetForLeaderEpoch.
 */
export function replicaHandlers(replicas: ReplicaManager, fullVisitIntervalMs: number): Partial<ReplicaHandlers> {
  return {
    ReplicaFetch: replicaFetchHandler(replicas),
    ReplicaFetchStream: replicaFetchStreamHandler(replicas, fullVisitIntervalMs),
    OffsetForLeaderEpoch: offsetForLeaderEpochHandler(replicas),
  };
}
