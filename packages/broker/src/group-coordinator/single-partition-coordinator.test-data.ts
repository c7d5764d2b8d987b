import type { ManualClock } from '@quill/clock';
import { pino } from 'pino';
import { resolveBrokerConfig } from '../config.js';
import type { LeadershipChange, ReplicaManager } from '../replica-manager/replica-manager.js';
import { GroupCoordinator, type GroupCoordinatorDeps } from './group-coordinator.js';
import { GROUP_METADATA_TOPIC_NAME } from './offsets-topic.js';

/**
 * A started coordinator on one broker leading the single (empty) __consumer_offsets partition,
 * whose appends succeed at once; its timers run on `clock`.
 */
export function singlePartitionCoordinator(clock: ManualClock, groupInitialRebalanceDelayMs: number): GroupCoordinator {
  let leadership: ((change: LeadershipChange) => void) | undefined;
  const emptyLog = { log: { logStartOffset: 0, logEndOffset: 0 } };
  const replicas: GroupCoordinatorDeps['replicas'] = {
    state: undefined,
    onLeadershipChange: (listener) => {
      leadership = listener;
      return () => (leadership = undefined);
    },
    hostedPartitions: () => [][Symbol.iterator](),
    partition: (() => emptyLog) as unknown as ReplicaManager['partition'],
    produce: () => Promise.resolve({ error: undefined, baseOffset: 0, logStartOffset: 0, logAppendTimeMs: -1 }),
  };
  const config = resolveBrokerConfig({
    nodeId: 1,
    clusterId: 'c',
    listen: { host: '127.0.0.1', port: 0 },
    controllers: [],
    dataDir: '/unused',
    offsetsTopicNumPartitions: 1,
    groupInitialRebalanceDelayMs,
  });
  const coordinator = new GroupCoordinator({ config, replicas, createTopics: () => Promise.reject(new Error('not used')), logger: pino({ level: 'silent' }), clock });
  coordinator.start();
  leadership!({ topic: GROUP_METADATA_TOPIC_NAME, partition: 0, isLeader: true, leaderEpoch: 0 });
  return coordinator;
}
