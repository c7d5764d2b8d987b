import * as grpc from '@grpc/grpc-js';
import { ErrorCode, type ElectLeadersRequest__Output } from '@quill/proto';
import { SeededRandom } from '@quill/random';
import { afterEach, describe, expect, it } from 'vitest';
import { Quill } from '../quill.js';
import { ScriptedCluster } from '../test-support/scripted-cluster.js';
import type { Admin } from './admin.js';

const FAST_RETRY = { retries: 3, initialRetryTimeMs: 10, maxRetryTimeMs: 50 };

describe('admin.electLeaders against scripted brokers', () => {
  let cluster: ScriptedCluster | undefined;
  let admin: Admin | undefined;

  afterEach(async () => {
    await admin?.disconnect();
    await cluster?.stop();
    admin = cluster = undefined;
  });

  async function start(): Promise<{ cluster: ScriptedCluster; admin: Admin }> {
    cluster = await ScriptedCluster.start([1, 2]);
    admin = new Quill({ brokers: cluster.addresses(), clientId: 'elect-test', logLevel: 'silent', retry: FAST_RETRY, random: new SeededRandom(4) }).admin();
    await admin.connect();
    return { cluster, admin };
  }

  it('sends the partitions grouped by topic, retries a lost call, and returns one result per partition with its code', async () => {
    const { cluster, admin } = await start();
    cluster.addTopic('a', [1, 2]);
    cluster.moveLeader('a', 0, 2);
    const notInSync = cluster.partition('a', 1);
    notInSync.leader = 1;
    notInSync.isr = [1];
    let failures = 1;
    cluster.intercept = (_node, method) => (method === 'ElectLeaders' && failures-- > 0 ? { code: grpc.status.UNAVAILABLE, details: 'blip' } : undefined);

    const results = await admin.electLeaders({
      type: 'preferred',
      partitions: [
        { topic: 'a', partition: 0 },
        { topic: 'nope', partition: 0 },
        { topic: 'a', partition: 1 },
        { topic: 'a', partition: 5 },
      ],
    });
    expect(results).toEqual([
      { topic: 'a', partition: 0, errorCode: ErrorCode.NONE },
      { topic: 'a', partition: 1, errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, errorMessage: 'scripted PREFERRED_LEADER_NOT_AVAILABLE' },
      { topic: 'a', partition: 5, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'scripted UNKNOWN_TOPIC_OR_PARTITION' },
      { topic: 'nope', partition: 0, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'scripted UNKNOWN_TOPIC_OR_PARTITION' },
    ]);
    const calls = cluster.callsTo('ElectLeaders');
    expect(calls).toHaveLength(2);
    expect(calls[1]!.request as ElectLeadersRequest__Output).toMatchObject({
      electionType: 'ELECTION_TYPE_PREFERRED',
      topics: [
        { topic: 'a', partitions: [0, 1, 5] },
        { topic: 'nope', partitions: [0] },
      ],
      timeoutMs: 5000,
    });
    const { topics } = await admin.fetchTopicMetadata({ topics: ['a'] });
    expect(topics[0]!.partitions[0]).toMatchObject({ leader: 1, leaderEpoch: 2 });

    const again = await admin.electLeaders({ type: 'preferred', partitions: [{ topic: 'a', partition: 0 }] });
    expect(again.map((r) => r.errorCode)).toEqual([ErrorCode.ELECTION_NOT_NEEDED]);
  });

  it('asks for every partition when none are listed, elects nothing for an empty list, and refuses an unclean election of every partition', async () => {
    const { cluster, admin } = await start();
    cluster.addTopic('a', [1]);
    expect(await admin.electLeaders({ type: 'preferred' })).toEqual([]);
    expect((cluster.callsTo('ElectLeaders')[0]!.request as ElectLeadersRequest__Output).topics).toEqual([]);
    expect(await admin.electLeaders({ type: 'preferred', partitions: [] })).toEqual([]);
    await expect(admin.electLeaders({ type: 'unclean' })).rejects.toMatchObject({ code: ErrorCode.INVALID_REQUEST });
    await expect(admin.electLeaders({ type: 'preferred', partitions: [{ topic: 'a', partition: -1 }] })).rejects.toMatchObject({ code: ErrorCode.INVALID_REQUEST });
    expect(cluster.callsTo('ElectLeaders')).toHaveLength(1);
  });
});
