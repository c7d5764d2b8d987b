import { ConfigResourceType, ErrorCode } from '@quill/proto';
import { SeededRandom } from '@quill/random';
import { describe, expect, it } from 'vitest';
import {
  type MetadataState,
  NO_LEADER,
  type PartitionMetadata,
  effectiveTopicConfig,
  isUsableBroker,
  partitionsOf,
  topicsSortedByName,
} from '@quill/metadata';
import { forEachSeed, MetadataCluster, seededUuids } from '../test-support/metadata-cluster.js';
import { clusterWith as clusterOf, partitionOfT as partition, proposeIsr as shrinkIsr } from '../test-support/topic-fixture.js';
import { runRandomWorkload } from '../test-support/random-workload.js';
import { alterConfigs } from './alter-configs.js';
import { brokerHeartbeat } from './broker-heartbeat.js';
import { registerBroker, unregisterBroker, type BrokerRegistrationRequest } from './broker-registration.js';
import { expireBrokerSession } from './broker-session.js';


const clusterWith = (brokers: number, replicaLists: number[][], configs: Record<string, string> = {}): MetadataCluster => clusterOf(brokers, replicaLists, { configs });

const listeners = [{ listenerName: 'PLAINTEXT', host: 'h', port: 9092 }];

describe('broker registration', () => {
  it('gives the registration offset as the epoch, fenced until caught up', () => {
    const c = new MetadataCluster(seededUuids(new SeededRandom(1)));
    const offset = c.nextOffset;
    const decision = registerBroker(c.state, { brokerId: 7, incarnationId: 'i-1', listeners, rack: 'r1' }, { offset, previousSessionAlive: false });
    expect(c.expect(decision)).toEqual({ brokerEpoch: offset });
    expect(c.state.brokers.get(7)).toMatchObject({ brokerEpoch: offset, fenced: true, rack: 'r1', inControlledShutdown: false });
  });

  it('answers a retried registration of the same incarnation with the same epoch and no records', () => {
    const c = new MetadataCluster(seededUuids(new SeededRandom(1)));
    const request: BrokerRegistrationRequest = { brokerId: 7, incarnationId: 'i-1', listeners };
    const first = c.expect(registerBroker(c.state, request, { offset: c.nextOffset, previousSessionAlive: false }));
    const again = registerBroker(c.state, request, { offset: c.nextOffset, previousSessionAlive: true });
    expect(again).toMatchObject({ ok: true, records: [], result: first });
  });

  it('lets a new incarnation replace the old one, moving the old one out of its partitions first', () => {
    const c = clusterWith(3, [[1, 2, 3]]);
    const old = c.state.brokers.get(1)!;
    const offset = c.nextOffset;
    const decision = registerBroker(c.state, { brokerId: 1, incarnationId: 'restarted', listeners }, { offset, previousSessionAlive: false });
    expect(decision.ok && decision.records.map((r) => r.record)).toEqual(['partitionChange', 'registerBroker']);
    c.expect(decision);
    expect(c.state.brokers.get(1)).toMatchObject({ incarnationId: 'restarted', brokerEpoch: offset, fenced: true });
    expect(offset).toBeGreaterThan(old.brokerEpoch);
    expect(partition(c)).toMatchObject({ leader: 2, isr: [2, 3], leaderEpoch: 1, partitionEpoch: 1 });
  });

  it('refuses a second live process with the same broker id', () => {
    const c = clusterWith(1, [[1]]);
    const decision = registerBroker(c.state, { brokerId: 1, incarnationId: 'other', listeners }, { offset: c.nextOffset, previousSessionAlive: true });
    expect(decision.ok || decision.error.code).toBe(ErrorCode.DUPLICATE_BROKER_REGISTRATION);
  });

  it.each([
    [{ brokerId: -1 }, 'Broker id'],
    [{ brokerId: 1.5 }, 'Broker id'],
    [{ incarnationId: '' }, 'incarnation'],
    [{ listeners: [] }, 'at least one listener'],
    [{ listeners: [...listeners, ...listeners] }, 'declared twice'],
    [{ listeners: [{ listenerName: 'A', host: '', port: 1 }] }, 'no host'],
    [{ listeners: [{ listenerName: 'A', host: 'h', port: 70000 }] }, 'port'],
    [{ rack: '' }, 'rack'],
  ])('refuses %j with INVALID_REQUEST', (override, message) => {
    const c = new MetadataCluster(seededUuids(new SeededRandom(1)));
    const decision = registerBroker(c.state, { brokerId: 1, incarnationId: 'i', listeners, ...override }, { offset: 1, previousSessionAlive: false });
    expect(decision.ok || [decision.error.code, decision.error.message.includes(message)]).toEqual([ErrorCode.INVALID_REQUEST, true]);
  });

  it('unregisters a broker after taking it out of its partitions', () => {
    const c = clusterWith(2, [[1, 2]]);
    c.expect(unregisterBroker(c.state, 1));
    expect(c.state.brokers.has(1)).toBe(false);
    expect(partition(c)).toMatchObject({ leader: 2, isr: [2] });
    const again = unregisterBroker(c.state, 1);
    expect(again.ok || again.error.code).toBe(ErrorCode.BROKER_ID_NOT_REGISTERED);
  });
});

describe('heartbeats', () => {
  it('unfences a caught-up broker only', () => {
    const c = new MetadataCluster(seededUuids(new SeededRandom(1)));
    const epoch = c.expect(registerBroker(c.state, { brokerId: 1, incarnationId: 'i', listeners }, { offset: c.nextOffset, previousSessionAlive: false })).brokerEpoch;
    const request = { brokerId: 1, brokerEpoch: epoch, wantFence: false, wantShutdown: false };
    const behind = brokerHeartbeat(c.state, { ...request, metadataOffset: c.state.offset - 1 }, { highWatermark: c.state.offset });
    expect(behind).toMatchObject({ ok: true, records: [], result: { isCaughtUp: false, isFenced: true } });
    const caughtUp = c.expect(brokerHeartbeat(c.state, { ...request, metadataOffset: c.state.offset }, { highWatermark: c.state.offset }));
    expect(caughtUp).toEqual({ isCaughtUp: true, isFenced: false, shouldShutdown: false });
    expect(c.state.brokers.get(1)!.fenced).toBe(false);
  });

  it('turns away unknown brokers and stale epochs', () => {
    const c = clusterWith(1, [[1]]);
    const epoch = c.state.brokers.get(1)!.brokerEpoch;
    const base = { metadataOffset: 0, wantFence: false, wantShutdown: false };
    const unknown = brokerHeartbeat(c.state, { ...base, brokerId: 9, brokerEpoch: epoch }, { highWatermark: 0 });
    expect(unknown.ok || unknown.error.code).toBe(ErrorCode.BROKER_ID_NOT_REGISTERED);
    const stale = brokerHeartbeat(c.state, { ...base, brokerId: 1, brokerEpoch: epoch - 1 }, { highWatermark: 0 });
    expect(stale.ok || stale.error.code).toBe(ErrorCode.STALE_BROKER_EPOCH);
  });

  it('fences on request', () => {
    const c = clusterWith(2, [[1, 2]]);
    expect(c.heartbeat(1, { wantFence: true })).toMatchObject({ isFenced: true });
    expect(partition(c)).toMatchObject({ leader: 2, isr: [2] });
  });

  it('runs a controlled shutdown: leaderships first, then out of the ISRs, then stop', () => {
    const c = clusterWith(3, [[1, 2, 3], [2, 1, 3], [1, 3, 2]], { 'unclean.leader.election.enable': 'true' });
    shrinkIsr(c, [1], 2);
    const first = c.heartbeat(1, { wantShutdown: true });
    expect(first).toEqual({ isCaughtUp: true, isFenced: false, shouldShutdown: false });
    expect(c.state.brokers.get(1)!.inControlledShutdown).toBe(true);
    expect(partition(c, 0)).toMatchObject({ leader: 2, isr: [1, 2, 3], leaderEpoch: 1 });
    expect(partition(c, 1)).toMatchObject({ leader: 2, isr: [2, 1, 3], leaderEpoch: 0 });
    // The only in-sync replica: shutting down is no reason for an unclean election.
    expect(partition(c, 2)).toMatchObject({ leader: NO_LEADER, isr: [1] });
    const second = c.heartbeat(1, { wantShutdown: true });
    expect(second).toEqual({ isCaughtUp: true, isFenced: true, shouldShutdown: true });
    expect(partition(c, 0).isr).toEqual([2, 3]);
    expect(partition(c, 1).isr).toEqual([2, 3]);
    // Once it is gone, the topic's unclean election applies: the first live replica takes over.
    expect(partition(c, 2)).toMatchObject({ leader: 3, isr: [3] });
    // A shutting-down broker gets no leadership back, and a fenced one is told to stop at once.
    expect(c.heartbeat(1, { wantShutdown: true })).toMatchObject({ shouldShutdown: true, isFenced: true });
  });
});

describe('fencing a broker whose session expired', () => {
  it('moves its leaderships to the first live ISR member in replica order and bumps the epochs', () => {
    const c = clusterWith(4, [[1, 2, 3, 4]]);
    shrinkIsr(c, [1, 3, 4]);
    c.expect(expireBrokerSession(c.state, 1));
    expect(partition(c)).toMatchObject({ leader: 3, isr: [3, 4], leaderEpoch: 1, partitionEpoch: 2 });
    expect(c.state.brokers.get(1)!.fenced).toBe(true);
  });

  it('takes a follower out of the ISR without touching the leader epoch', () => {
    const c = clusterWith(3, [[1, 2, 3]]);
    c.expect(expireBrokerSession(c.state, 3));
    expect(partition(c)).toMatchObject({ leader: 1, isr: [1, 2], leaderEpoch: 0, partitionEpoch: 1 });
  });

  it('keeps the last ISR member and leaves the partition leaderless', () => {
    const c = clusterWith(2, [[1, 2]]);
    shrinkIsr(c, [1]);
    c.expect(expireBrokerSession(c.state, 1));
    expect(partition(c)).toMatchObject({ leader: NO_LEADER, isr: [1], leaderEpoch: 1, partitionEpoch: 2 });
  });

  it('elects an out-of-sync replica only with unclean leader election enabled', () => {
    const c = clusterWith(2, [[1, 2]], { 'unclean.leader.election.enable': 'true' });
    shrinkIsr(c, [1]);
    c.expect(expireBrokerSession(c.state, 1));
    expect(partition(c)).toMatchObject({ leader: 2, isr: [2], leaderEpoch: 1 });
  });

  it('honours the cluster-wide unclean.leader.election.enable default', () => {
    const c = clusterWith(2, [[1, 2]]);
    c.expect(alterConfigs(c.state, { resourceType: ConfigResourceType.CONFIG_RESOURCE_TYPE_CLUSTER, resourceName: '' }, { 'unclean.leader.election.enable': 'true' }));
    shrinkIsr(c, [1]);
    c.expect(expireBrokerSession(c.state, 1));
    expect(partition(c).leader).toBe(2);
  });

  it('is a no-op for a fenced broker and an error for an unknown one', () => {
    const c = clusterWith(1, [[1]]);
    c.expect(expireBrokerSession(c.state, 1));
    expect(expireBrokerSession(c.state, 1)).toMatchObject({ ok: true, records: [] });
    const unknown = expireBrokerSession(c.state, 8);
    expect(unknown.ok || unknown.error.code).toBe(ErrorCode.BROKER_ID_NOT_REGISTERED);
  });

  it('gives leaderless partitions back their leader when the broker is unfenced', () => {
    const c = clusterWith(2, [[1, 2], [2, 1]]);
    shrinkIsr(c, [1], 0);
    c.expect(expireBrokerSession(c.state, 1));
    expect(partition(c, 0).leader).toBe(NO_LEADER);
    const unfenced = c.heartbeat(1, {});
    expect(unfenced.isFenced).toBe(false);
    expect(partition(c, 0)).toMatchObject({ leader: 1, isr: [1], leaderEpoch: 2 });
    // Partition 1 is led by 2 and stays so: rejoining the ISR is the leader's call (AlterPartition).
    expect(partition(c, 1)).toMatchObject({ leader: 2, isr: [2] });
  });
});

/** What is wrong with a partition's leadership in `state`, if anything. */
function leadershipProblem(state: MetadataState, p: PartitionMetadata): string | undefined {
  if (p.isr.length === 0) return 'empty ISR';
  if (p.leader !== NO_LEADER) {
    if (!p.isr.includes(p.leader)) return `leader ${p.leader} not in ISR ${p.isr.join(',')}`;
    if (state.brokers.get(p.leader)?.fenced !== false) return `leader ${p.leader} is fenced or unregistered`;
  } else if (p.isr.some((id) => isUsableBroker(state, id))) {
    return `leaderless although ISR ${p.isr.join(',')} has a usable broker`;
  }
  if (p.isr.length > 1 && !p.isr.every((id) => state.brokers.get(id)?.fenced === false)) return `fenced broker in ISR ${p.isr.join(',')}`;
  return undefined;
}

/** What is wrong with the way `p` changed from `previous`, if anything. */
function electionProblem(previous: PartitionMetadata, p: PartitionMetadata, unclean: boolean): string | undefined {
  if (p.leader === previous.leader || p.leader === NO_LEADER) return undefined;
  if (p.leaderEpoch <= previous.leaderEpoch) return `leader changed without a new leader epoch`;
  if (previous.isr.includes(p.leader)) return undefined;
  if (!unclean) return `out-of-sync leader ${p.leader} (ISR was ${previous.isr.join(',')}) without unclean election`;
  return p.isr.length === 1 && p.isr[0] === p.leader ? undefined : `unclean leader ${p.leader} with ISR ${p.isr.join(',')}`;
}

describe('leadership invariants over random metadata logs', () => {
  it('never elects an out-of-sync leader unless unclean election is on, and never leaves an electable partition leaderless', () => {
    forEachSeed(200, (seed) => {
      let before = new Map<string, { partition: PartitionMetadata; unclean: boolean }>();
      runRandomWorkload(seed, 200, (c) => {
        const now = new Map<string, { partition: PartitionMetadata; unclean: boolean }>();
        for (const topic of topicsSortedByName(c.state)) {
          const unclean = effectiveTopicConfig(c.state, topic.name, 'unclean.leader.election.enable') === 'true';
          for (const p of partitionsOf(topic)) {
            const key = `${p.topicId}/${p.partition}`;
            now.set(key, { partition: p, unclean });
            const previous = before.get(key);
            const problem =
              leadershipProblem(c.state, p) ??
              (previous === undefined ? undefined : electionProblem(previous.partition, p, previous.unclean || unclean));
            if (problem !== undefined) throw new Error(`${topic.name}/${p.partition} at offset ${c.state.offset}: ${problem}`);
          }
        }
        before = now;
      });
    });
  });
});
