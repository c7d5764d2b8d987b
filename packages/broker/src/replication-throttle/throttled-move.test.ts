import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { EMPTY_METADATA_STATE, applyRecords, configRecord, partitionRecord, topicRecord } from '@quill/metadata';
import { loadQuillPackage } from '@quill/proto';
import { encodeBatch } from '@quill/records';
import { eventually } from '@quill/test-support';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { replicaHandlers } from '../api/replica-service.js';
import { resolveBrokerConfig } from '../config.js';
import { ReplicaFetcherManager } from '../replica-fetcher/replica-fetcher.js';
import { replicaManagerOnDisk } from '../test-support/replica-manager-on-disk.js';
import { followerThrottleOf } from './follower-throttle.js';

// A move under the follower throttle on real logs and a real Replica service: broker 2 copies a
// partition moving onto it at follower.replication.throttled.rate, while an ordinary follower
// partition from the same leader catches up at full speed.

const LEADER = 1;
const FOLLOWER = 2;
const LEAVING = 3;
const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAA';
const RATE = 1_000_000;
const MOVE_BYTES = 3 * RATE;
const BATCH_VALUE_BYTES = 16 * 1024;
const logger = pino({ level: 'silent' });

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-throttled-move-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('a partition move under the follower throttle', () => {
  it('copies the moving replica at the set rate (within 20%) and the ordinary follower at full speed', async () => {
    const state = applyRecords(
      EMPTY_METADATA_STATE,
      [
        topicRecord('moving', TOPIC_ID),
        // Partition 0 moves from {1, 3} to {1, 2}; partition 1's follower 2 is an ordinary one, behind.
        partitionRecord({ topicId: TOPIC_ID, partition: 0, replicas: [LEADER, FOLLOWER, LEAVING], isr: [LEADER], leader: LEADER, leaderEpoch: 0, partitionEpoch: 0, reassignment: { adding: [FOLLOWER], removing: [LEAVING], original: [LEADER, LEAVING] } }),
        partitionRecord({ topicId: TOPIC_ID, partition: 1, replicas: [LEADER, FOLLOWER], isr: [LEADER], leader: LEADER, leaderEpoch: 0, partitionEpoch: 0 }),
        configRecord('broker', String(FOLLOWER), 'follower.replication.throttled.rate', String(RATE)),
      ],
      1,
    );

    const leader = replicaManagerOnDisk({ nodeId: LEADER, dataDir: tempDir() });
    cleanups.push(leader.stop);
    await leader.replicas.applyMetadata(state);
    // Batches of one size, one offset each: a log end offset tells the bytes below it.
    const batch = encodeBatch([{ value: Buffer.alloc(BATCH_VALUE_BYTES, 7) }], { compression: 'none' });
    const batches = Math.ceil(MOVE_BYTES / batch.length);
    for (let i = 0; i < batches; i++) {
      for (const index of [0, 1]) leader.replicas.partition('moving', index)!.appendAsLeader(Buffer.from(batch), 1, 1);
    }
    const server = new grpc.Server();
    server.addService(loadQuillPackage().quill.v1.Replica.service, replicaHandlers(leader.replicas, 1000) as grpc.UntypedServiceImplementation);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    cleanups.push(() => server.forceShutdown());

    const followerDir = tempDir();
    const config = resolveBrokerConfig({ nodeId: FOLLOWER, clusterId: 'c', listen: { host: '127.0.0.1', port: 0 }, controllers: [], dataDir: followerDir, flushPolicy: 'os' });
    const fetchers = new ReplicaFetcherManager(config, () => 1, () => `127.0.0.1:${port}`, logger);
    cleanups.push(() => fetchers.stop());
    const follower = replicaManagerOnDisk({ nodeId: FOLLOWER, dataDir: followerDir, fetching: fetchers });
    cleanups.push(follower.stop);

    const logEnd = (index: number) => follower.replicas.partition('moving', index)?.log.logEndOffset ?? 0;
    const followed = performance.now();
    fetchers.applyThrottle(followerThrottleOf(state, FOLLOWER));
    await follower.replicas.applyMetadata(state);
    // Timed from the first bytes copied: opening the logs and the stream are not the move.
    const firstBatches = await eventually(() => logEnd(0) > 0 && logEnd(0), { description: 'the move started', intervalMs: 2 });
    const start = performance.now();
    await eventually(() => logEnd(1) === batches, { description: 'the ordinary follower caught up', timeoutMs: 10_000, intervalMs: 5 });
    const ordinaryMs = performance.now() - followed;
    await eventually(() => logEnd(0) === batches, { description: 'the moving replica caught up', timeoutMs: 10_000, intervalMs: 5 });
    const moveMs = performance.now() - start;

    const measuredRate = ((batches - firstBatches) * batch.length) / (moveMs / 1000);
    const measured = `${Math.round(measuredRate)} bytes/s over ${Math.round(moveMs)} ms; the ordinary follower took ${Math.round(ordinaryMs)} ms`;
    expect(measuredRate, measured).toBeGreaterThan(RATE * 0.8);
    expect(measuredRate, measured).toBeLessThan(RATE * 1.2);
    // The ordinary follower is not held back by the move's throttle.
    expect(ordinaryMs, measured).toBeLessThan(moveMs / 2);
  });
});
