import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadQuillPackage, type ReplicaFetchPartitionResponse, type ReplicaFetchRequest__Output, type ReplicaFetchResponse } from '@quill/proto';
import { encodeBatch, setBaseOffset, setPartitionLeaderEpoch } from '@quill/records';
import { PartitionLog } from '@quill/storage';
import { eventually } from '@quill/test-support';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveBrokerConfig } from '../config.js';
import { Partition } from '../replication/partition.js';
import { ReplicaFetcherManager } from './replica-fetcher.js';

// The follower side of incremental fetch sessions (KIP-227), against a real gRPC server standing in
// for the leader: it records each ReplicaFetchStream request and answers from a script.

const logger = pino({ level: 'silent' });
const LEADER = 1;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A leader that answers the first fetch of each stream with one batch for partition 0, and later fetches with nothing (after a short wait). */
async function startLeader(
  firstAnswer: (batch: () => Buffer) => ReplicaFetchPartitionResponse[] = (batch) => [{ partition: 0, errorCode: 'NONE', highWatermark: 0, logStartOffset: 0, records: batch() }],
): Promise<{ address: string; requests: ReplicaFetchRequest__Output[] }> {
  const requests: ReplicaFetchRequest__Output[] = [];
  const server = new grpc.Server();
  server.addService(loadQuillPackage().quill.v1.Replica.service, {
    ReplicaFetchStream: (call: grpc.ServerDuplexStream<ReplicaFetchRequest__Output, ReplicaFetchResponse>) => {
      let first = true;
      call.on('data', (request: ReplicaFetchRequest__Output) => {
        requests.push(request);
        const batch = () => {
          const records = encodeBatch([{ value: Buffer.from('x') }], { compression: 'none' });
          setBaseOffset(records, 0);
          setPartitionLeaderEpoch(records, 1);
          return records;
        };
        const answer: ReplicaFetchResponse = first ? { topics: [{ topicId: 'tid', partitions: firstAnswer(batch) }] } : { topics: [] };
        setTimeout(() => !call.cancelled && call.write(answer), first ? 0 : 20);
        first = false;
      });
      call.on('end', () => call.end());
    },
  } as unknown as grpc.UntypedServiceImplementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  cleanups.push(() => server.forceShutdown());
  return { address: `127.0.0.1:${port}`, requests };
}

async function follower(index: number, dir: string): Promise<Partition> {
  const log = await PartitionLog.open(path.join(dir, `t-${index}`), { logger, config: { flushPolicy: 'os' } });
  const partition = new Partition(`t-${index}`, log, { brokerId: 2, replicaLagTimeMaxMs: 10_000, now: () => Date.now(), onChange: () => undefined });
  partition.applyAssignment({ leader: LEADER, leaderEpoch: 1, partitionEpoch: 1, replicas: [1, 2], isr: [1, 2] });
  cleanups.push(() => partition.close());
  return partition;
}

const named = (request: ReplicaFetchRequest__Output) => request.topics.flatMap((t) => t.partitions.map((p) => [p.partition, Number(p.fetchOffset)]));

describe('ReplicaFetcherManager', () => {
  it('names every partition on a new stream, then only those whose fetch state changed; a changed set starts a new stream', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-fetcher-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const leader = await startLeader();
    const partitions = await Promise.all([0, 1, 2].map((i) => follower(i, dir)));
    const config = resolveBrokerConfig({ nodeId: 2, clusterId: 'c', listen: { host: '127.0.0.1', port: 0 }, controllers: [], dataDir: dir, flushPolicy: 'os' });
    const fetchers = new ReplicaFetcherManager(config, () => 1, () => leader.address, logger);
    cleanups.push(() => fetchers.stop());
    for (const [i, partition] of partitions.entries()) fetchers.follow(partition, 'tid', i, LEADER);

    await eventually(() => leader.requests.length >= 4, { description: 'four fetches' });
    const [full, afterAppend, ...idle] = leader.requests;
    expect(full!.incremental).toBe(false);
    expect(named(full!)).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
    ]);
    // Partition 0 appended the answer's record: only it is named, with its new log end.
    expect(partitions[0]!.log.logEndOffset).toBe(1);
    expect(afterAppend!.incremental).toBe(true);
    expect(named(afterAppend!)).toEqual([[0, 1]]);
    for (const request of idle) {
      expect(request.incremental).toBe(true);
      expect(named(request)).toEqual([]);
    }

    // Unfollowing one starts a new stream whose first request names the rest.
    const before = leader.requests.length;
    fetchers.unfollow('t-2');
    await eventually(() => leader.requests.slice(before).some((r) => !r.incremental), { description: 'a full request' });
    const fresh = leader.requests.slice(before).find((r) => !r.incremental)!;
    expect(named(fresh)).toEqual([
      [0, 1],
      [1, 0],
    ]);
  });

  it('pauses a moving replica over the throttle (max bytes 0, same stream) while the others keep the full limit', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-fetcher-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const leader = await startLeader();
    const partitions = await Promise.all([0, 1].map((i) => follower(i, dir)));
    const config = resolveBrokerConfig({ nodeId: 2, clusterId: 'c', listen: { host: '127.0.0.1', port: 0 }, controllers: [], dataDir: dir, flushPolicy: 'os' });
    const fetchers = new ReplicaFetcherManager(config, () => 1, () => leader.address, logger);
    cleanups.push(() => fetchers.stop());
    // 10 bytes/s: the first answer's batch puts the moving partition 0 in debt for seconds.
    fetchers.applyThrottle({ rateBytesPerSec: 10, partitions: new Map([['tid', new Set([0])]]) });
    for (const [i, partition] of partitions.entries()) fetchers.follow(partition, 'tid', i, LEADER);

    const limits = (request: ReplicaFetchRequest__Output) => request.topics.flatMap((t) => t.partitions.map((p) => [p.partition, p.partitionMaxBytes]));
    await eventually(() => leader.requests.length >= 3, { description: 'three fetches' });
    const [full, paused, idle] = leader.requests;
    expect(limits(full!)).toEqual([
      [0, 1],
      [1, config.replicaFetchMaxBytes],
    ]);
    expect(paused!.incremental).toBe(true);
    expect(limits(paused!)).toEqual([[0, 0]]);
    // Paused, the long poll ends no later than the pause would.
    expect(paused!.maxWaitMs).toBeLessThanOrEqual(config.replicaFetchWaitMaxMs);
    expect(limits(idle!)).toEqual([]);

    // The throttle lifted: the next request names it with the full limit, on the same stream.
    const before = leader.requests.length;
    fetchers.applyThrottle({ rateBytesPerSec: undefined, partitions: new Map() });
    await eventually(() => leader.requests.slice(before).some((r) => limits(r).length > 0), { description: 'partition 0 named again' });
    const resumed = leader.requests.slice(before).find((r) => limits(r).length > 0)!;
    expect(resumed.incremental).toBe(true);
    expect(limits(resumed)).toEqual([[0, config.replicaFetchMaxBytes]]);
  });

  it('applies the other partitions of an answer when one of them fails to append', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-fetcher-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    // Partition 0's batch starts at 7, which cannot follow its empty log; partition 1's fits.
    const leader = await startLeader((batch) => [
      { partition: 0, errorCode: 'NONE', highWatermark: 8, logStartOffset: 0, records: at(batch(), 7) },
      { partition: 1, errorCode: 'NONE', highWatermark: 1, logStartOffset: 0, records: at(batch(), 0) },
    ]);
    const partitions = await Promise.all([0, 1].map((i) => follower(i, dir)));
    const config = resolveBrokerConfig({ nodeId: 2, clusterId: 'c', listen: { host: '127.0.0.1', port: 0 }, controllers: [], dataDir: dir, flushPolicy: 'os' });
    const fetchers = new ReplicaFetcherManager(config, () => 1, () => leader.address, logger);
    cleanups.push(() => fetchers.stop());
    for (const [i, partition] of partitions.entries()) fetchers.follow(partition, 'tid', i, LEADER);

    await eventually(() => partitions[1]!.highWatermark === 1, { description: 'partition 1 replicated' });
    expect(partitions[0]!.log.logEndOffset).toBe(0);
  });
});

function at(batch: Buffer, baseOffset: number): Buffer {
  setBaseOffset(batch, baseOffset);
  return batch;
}
