// Realistic random metadata logs: every batch comes from a decision function, so the records
// are the ones an active controller would write (including refusals that write nothing).
import { AlterConfigOp, ConfigResourceType } from '@quill/proto';
import { SeededRandom } from '@quill/random';
import { NO_LEADER, allPartitions, brokersSortedById, isUsableBroker, topicsSortedByName } from '@quill/metadata';
import { alterPartition } from '../decisions/alter-partition.js';
import { alterConfigs, incrementalAlterConfigs } from '../decisions/alter-configs.js';
import { registerBroker, unregisterBroker } from '../decisions/broker-registration.js';
import { expireBrokerSession } from '../decisions/broker-session.js';
import { createPartitions } from '../decisions/create-partitions.js';
import { createTopic } from '../decisions/create-topics.js';
import { deleteTopic } from '../decisions/delete-topics.js';
import { electLeaders } from '../decisions/elect-leaders.js';
import { allocateProducerIds } from '../decisions/producer-ids.js';
import { MetadataCluster, seededUuids } from './metadata-cluster.js';

const BROKER_IDS = [1, 2, 3, 4, 5, 6];
const RACKS = ['rack-a', 'rack-b', 'rack-c'];
// A small pool, so creations collide with existing names and '.'/'_' twins now and then.
const TOPIC_NAMES = ['orders', 'payments', 'audit.log', 'audit_log', 'clicks', 'events-v2', 'bad name', 'x'];

type Step = (cluster: MetadataCluster, random: SeededRandom) => void;

function pickBroker(cluster: MetadataCluster, random: SeededRandom, filter: (fenced: boolean) => boolean): number | undefined {
  const candidates = brokersSortedById(cluster.state).filter((b) => filter(b.fenced));
  return candidates.length === 0 ? undefined : random.pick(candidates).brokerId;
}

const register: Step = (cluster, random) => {
  const brokerId = random.pick(BROKER_IDS);
  cluster.commit(
    registerBroker(
      cluster.state,
      {
        brokerId,
        incarnationId: cluster.newUuid(),
        listeners: [{ listenerName: 'PLAINTEXT', host: `broker-${brokerId}`, port: 9092 }],
        rack: random.chance(0.8) ? random.pick(RACKS) : undefined,
      },
      { offset: cluster.nextOffset, previousSessionAlive: false },
    ),
  );
};

const heartbeat: Step = (cluster, random) => {
  const brokerId = pickBroker(cluster, random, () => true);
  if (brokerId === undefined) return;
  const roll = random.next();
  cluster.heartbeat(brokerId, { wantShutdown: roll < 0.1, wantFence: roll >= 0.1 && roll < 0.15 });
};

const expireSession: Step = (cluster, random) => {
  const brokerId = pickBroker(cluster, random, (fenced) => !fenced);
  if (brokerId !== undefined) cluster.commit(expireBrokerSession(cluster.state, brokerId));
};

const unregister: Step = (cluster, random) => {
  const brokerId = pickBroker(cluster, random, (fenced) => fenced);
  if (brokerId !== undefined) cluster.commit(unregisterBroker(cluster.state, brokerId));
};

const createSomeTopic: Step = (cluster, random) => {
  const configs: Record<string, string> = {};
  if (random.chance(0.3)) configs['unclean.leader.election.enable'] = 'true';
  if (random.chance(0.3)) configs['min.insync.replicas'] = String(random.int(1, 3));
  if (random.chance(0.2)) configs['cleanup.policy'] = random.pick(['compact', 'delete', 'compact,delete']);
  cluster.commit(
    createTopic(
      cluster.state,
      { name: random.pick(TOPIC_NAMES), numPartitions: random.int(1, 4), replicationFactor: random.int(1, 3), assignments: [], configs },
      cluster.topicContext,
    ),
  );
};

const deleteSomeTopic: Step = (cluster, random) => {
  const topics = topicsSortedByName(cluster.state);
  if (topics.length > 0) cluster.commit(deleteTopic(cluster.state, { name: random.pick(topics).name }));
};

const addPartitions: Step = (cluster, random) => {
  const topics = topicsSortedByName(cluster.state);
  if (topics.length === 0) return;
  const topic = random.pick(topics);
  cluster.commit(
    createPartitions(cluster.state, { name: topic.name, count: topic.partitions.size + random.int(0, 2), assignments: [] }, cluster.topicContext.policy),
  );
};

const changeConfigs: Step = (cluster, random) => {
  const topics = topicsSortedByName(cluster.state);
  if (random.chance(0.3) || topics.length === 0) {
    const value = random.pick(['true', 'false']);
    cluster.commit(
      alterConfigs(cluster.state, { resourceType: ConfigResourceType.CONFIG_RESOURCE_TYPE_CLUSTER, resourceName: '' }, { 'unclean.leader.election.enable': value }),
    );
    return;
  }
  const topic = random.pick(topics);
  cluster.commit(
    incrementalAlterConfigs(cluster.state, { resourceType: ConfigResourceType.CONFIG_RESOURCE_TYPE_TOPIC, resourceName: topic.name }, [
      random.chance(0.5)
        ? { name: 'retention.ms', op: AlterConfigOp.ALTER_CONFIG_OP_SET, value: String(random.int(1, 1_000_000)) }
        : { name: 'unclean.leader.election.enable', op: AlterConfigOp.ALTER_CONFIG_OP_DELETE },
    ]),
  );
};

/** A leader shrinks or expands its ISR, with the current epochs (or, now and then, stale ones). */
const changeIsr: Step = (cluster, random) => {
  const led = allPartitions(cluster.state).filter((p) => p.leader !== NO_LEADER);
  if (led.length === 0) return;
  const partition = random.pick(led);
  const leader = cluster.state.brokers.get(partition.leader)!;
  const newIsr = partition.replicas.filter(
    (id) => id === partition.leader || (random.chance(0.6) && (partition.isr.includes(id) || isUsableBroker(cluster.state, id))),
  );
  const stale = random.chance(0.1);
  cluster.commit(
    alterPartition(cluster.state, {
      brokerId: leader.brokerId,
      brokerEpoch: leader.brokerEpoch,
      topicId: partition.topicId,
      partition: partition.partition,
      leaderEpoch: partition.leaderEpoch,
      partitionEpoch: partition.partitionEpoch - (stale ? 1 : 0),
      newIsr,
    }),
  );
};

/** An operator's preferred election, of one partition or of all. */
const electPreferred: Step = (cluster, random) => {
  const partitions = allPartitions(cluster.state);
  if (partitions.length === 0) return;
  const one = random.pick(partitions);
  const topic = cluster.state.topicsById.get(one.topicId)!.name;
  cluster.commit(electLeaders(cluster.state, 'preferred', random.chance(0.5) ? undefined : [{ topic, partition: one.partition }]));
};

const producerIds: Step = (cluster, random) => {
  const brokerId = pickBroker(cluster, random, (fenced) => !fenced);
  if (brokerId === undefined) return;
  cluster.commit(allocateProducerIds(cluster.state, brokerId, cluster.state.brokers.get(brokerId)!.brokerEpoch));
};

const STEPS: readonly (readonly [weight: number, step: Step])[] = [
  [10, register],
  [25, heartbeat],
  [8, expireSession],
  [2, unregister],
  [15, createSomeTopic],
  [4, deleteSomeTopic],
  [5, addPartitions],
  [6, changeConfigs],
  [20, changeIsr],
  [3, producerIds],
  [4, electPreferred],
];
const TOTAL_WEIGHT = STEPS.reduce((sum, [weight]) => sum + weight, 0);

/**
 * A cluster driven by `steps` random operations from `seed`. Afterwards `cluster.batches` holds
 * the metadata log and `cluster.state` the state it leads to. `afterEach` sees every step.
 */
export function runRandomWorkload(seed: number, steps: number, afterEach?: (cluster: MetadataCluster) => void): MetadataCluster {
  const random = new SeededRandom(seed);
  const cluster = new MetadataCluster(seededUuids(random.fork()));
  for (let i = 0; i < steps; i++) {
    let roll = random.int(0, TOTAL_WEIGHT - 1);
    const entry = STEPS.find(([weight]) => (roll -= weight) < 0)!;
    entry[1](cluster, random);
    afterEach?.(cluster);
  }
  return cluster;
}
