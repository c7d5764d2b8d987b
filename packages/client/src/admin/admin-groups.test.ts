import { ErrorCode } from '@quill/proto';
import { SeededRandom } from '@quill/random';
import { eventually } from '@quill/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import type { Consumer } from '../consumer/consumer.js';
import { Quill } from '../quill.js';
import { ScriptedCluster } from '../test-support/scripted-cluster.js';

describe('Admin group calls against scripted brokers', () => {
  let cluster: ScriptedCluster | undefined;
  let consumer: Consumer | undefined;
  afterEach(async () => {
    await consumer?.disconnect();
    await cluster?.stop();
    cluster = consumer = undefined;
  });

  it('lists (asking every broker), describes with decoded assignments, reports offsets with lag, resets and deletes', async () => {
    cluster = await ScriptedCluster.start([1, 2]);
    cluster.groups.coordinator = 2;
    cluster.addTopic('t', [1, 2]);
    for (let p = 0; p < 2; p++) cluster.append('t', p, Array.from({ length: 5 }, (_, i) => ({ value: `${i}` })));
    const quill = new Quill({ brokers: cluster.addresses(), logLevel: 'silent', retry: { retries: 3, initialRetryTimeMs: 20 }, random: new SeededRandom(9) });
    consumer = quill.consumer({ groupId: 'g', heartbeatInterval: 50, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics: ['t'], fromBeginning: true });
    let handled = 0;
    await consumer.run({ autoCommit: false, eachMessage: async () => void handled++ });
    await eventually(() => handled === 10);
    await consumer.commitOffsets([{ topic: 't', partition: 0, offset: 3 }]);

    const admin = quill.admin();
    await admin.connect();
    expect(await admin.listGroups()).toEqual({ groups: [{ groupId: 'g', protocolType: 'consumer', state: 'Stable' }] });
    expect(cluster.callsTo('ListGroups').map((c) => c.nodeId).sort()).toEqual([1, 2]);

    const { groups } = await admin.describeGroups(['g']);
    expect(groups[0]).toMatchObject({ groupId: 'g', state: 'Stable', protocol: 'roundrobin', errorCode: ErrorCode.NONE });
    expect(groups[0]!.members).toHaveLength(1);
    expect(groups[0]!.members[0]!.assignment).toEqual([
      { topic: 't', partition: 0 },
      { topic: 't', partition: 1 },
    ]);

    expect(await admin.fetchOffsets({ groupId: 'g' })).toEqual([
      {
        topic: 't',
        partitions: [
          { partition: 0, offset: 3, metadata: null, high: 5, lag: 2 },
          { partition: 1, offset: -1, metadata: null, high: 5, lag: 5 },
        ],
      },
    ]);

    // A live group refuses commits from outside its generation.
    await expect(admin.resetOffsets({ groupId: 'g', topic: 't', earliest: true })).rejects.toMatchObject({ code: ErrorCode.UNKNOWN_MEMBER_ID });
    await expect(admin.deleteGroups(['g'])).rejects.toMatchObject({ code: ErrorCode.NON_EMPTY_GROUP });
    await consumer.disconnect();
    await admin.resetOffsets({ groupId: 'g', topic: 't', earliest: false });
    expect([...cluster.groups.committed.get('g')!]).toEqual([
      ['t/0', 5],
      ['t/1', 5],
    ]);
    await admin.setOffsets({ groupId: 'g', topic: 't', partitions: [{ partition: 1, offset: '2' }] });
    expect(cluster.groups.committed.get('g')!.get('t/1')).toBe(2);
    expect(await admin.deleteGroups(['g'])).toEqual([{ groupId: 'g', errorCode: ErrorCode.NONE }]);
    expect((await admin.describeGroups(['g'])).groups[0]).toMatchObject({ state: 'Dead', members: [] });
    await admin.disconnect();
  });
});
