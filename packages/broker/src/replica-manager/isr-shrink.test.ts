import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManualClock } from '@quill/clock';
import { EMPTY_METADATA_STATE, applyRecords, partitionRecord, registerBrokerRecord, topicRecord } from '@quill/metadata';
import type { AlterPartitionRequest, AlterPartitionResponse__Output } from '@quill/proto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { replicaManagerOnDisk } from '../test-support/replica-manager-on-disk.js';

// The leader's ISR check on a manual clock: a follower that never fetches leaves the ISR once it
// has lagged more than replica.lag.time.max.ms, and not a moment earlier.

const LEADER = 1;
const FOLLOWER = 2;
const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAA';
const LAG_MS = 10_000;

describe('ReplicaManager ISR check', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('proposes removing a silent follower only after replicaLagTimeMaxMs on the clock it is given', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-isr-shrink-'));
    cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    const clock = new ManualClock(1_000_000);
    const proposals: AlterPartitionRequest[] = [];
    const { replicas, stop } = replicaManagerOnDisk({
      nodeId: LEADER,
      dataDir,
      config: { replicaLagTimeMaxMs: LAG_MS },
      alterPartition: (request) => {
        proposals.push(request);
        // Never answered: the proposal stays in flight, so it is made once.
        return new Promise<AlterPartitionResponse__Output>(() => undefined);
      },
      clock,
    });
    cleanups.push(stop);
    const state = applyRecords(
      EMPTY_METADATA_STATE,
      [
        registerBrokerRecord({ brokerId: LEADER, incarnationId: 'i', brokerEpoch: 1, endpoints: [{ listenerName: 'PLAINTEXT', host: '127.0.0.1', port: 1 }], fenced: false, rack: undefined }),
        topicRecord('orders', TOPIC_ID),
        partitionRecord({ topicId: TOPIC_ID, partition: 0, replicas: [LEADER, FOLLOWER], isr: [LEADER, FOLLOWER], leader: LEADER, leaderEpoch: 0, partitionEpoch: 0 }),
      ],
      0,
    );
    await replicas.applyMetadata(state);
    replicas.start();

    clock.advance(LAG_MS);
    expect(proposals).toEqual([]);

    clock.advance(LAG_MS / 2);
    expect(proposals).toHaveLength(1);
    expect(proposals[0]!.topics![0]!.partitions![0]!.newIsr).toEqual([LEADER]);
  });

  it('hands a leadership an AlterPartition answer moves away over as metadata would: the fetcher follows, listeners hear of it', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-isr-handover-'));
    cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    const clock = new ManualClock(1_000_000);
    const followed: number[] = [];
    const { replicas, stop } = replicaManagerOnDisk({
      nodeId: LEADER,
      dataDir,
      config: { replicaLagTimeMaxMs: LAG_MS },
      // The controller answers with the partition after a reassignment completed by this change:
      // the follower leads the remaining replica set.
      alterPartition: async (request) => ({
        error: null,
        leaderHint: null,
        topics: [
          {
            topicId: TOPIC_ID,
            partitions: [{ partition: 0, errorCode: 'NONE', errorMessage: '', leaderId: FOLLOWER, leaderEpoch: 1, isr: [FOLLOWER], partitionEpoch: request.topics![0]!.partitions![0]!.partitionEpoch! + 2, replicas: [FOLLOWER] }],
          },
        ],
      }),
      fetching: { follow: (_partition, _topicId, _index, leaderId) => void followed.push(leaderId), unfollow: () => undefined },
      clock,
    });
    cleanups.push(stop);
    const leaderships: boolean[] = [];
    replicas.onLeadershipChange((change) => leaderships.push(change.isLeader));
    await replicas.applyMetadata(
      applyRecords(
        EMPTY_METADATA_STATE,
        [
          registerBrokerRecord({ brokerId: LEADER, incarnationId: 'i', brokerEpoch: 1, endpoints: [{ listenerName: 'PLAINTEXT', host: '127.0.0.1', port: 1 }], fenced: false, rack: undefined }),
          topicRecord('orders', TOPIC_ID),
          partitionRecord({ topicId: TOPIC_ID, partition: 0, replicas: [LEADER, FOLLOWER], isr: [LEADER, FOLLOWER], leader: LEADER, leaderEpoch: 0, partitionEpoch: 0 }),
        ],
        0,
      ),
    );
    replicas.start();
    expect(leaderships).toEqual([true]);

    clock.advance(LAG_MS * 2);
    await vi.waitFor(() => expect(leaderships).toEqual([true, false]));
    expect(followed).toEqual([FOLLOWER]);
    expect(replicas.partition('orders', 0)!.isLeader).toBe(false);
  });
});
