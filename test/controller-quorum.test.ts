import { MetadataFollower, topicByName, type ControllerClient } from '@quill/metadata';
import type { BrokerHeartbeatResponse__Output, CreateTopicsResponse__Output, RegisterBrokerResponse__Output } from '@quill/proto';
import { ControllerQuorum } from '@quill/testing';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';

// Three controller processes; SIGKILL the active one while an admin client creates topics in a
// loop. Every acknowledged topic must exist afterwards, exactly once, and the killed controller,
// restarted, must catch up from a snapshot (its log was compacted meanwhile).

let quorum: ControllerQuorum | undefined;
let client: ControllerClient | undefined;
let follower: MetadataFollower | undefined;
afterEach(async () => {
  follower?.stop();
  client?.close();
  await quorum?.stop();
  quorum = client = follower = undefined;
});

async function registerBrokers(c: ControllerClient, clusterId: string, ids: readonly number[]): Promise<void> {
  for (const brokerId of ids) {
    const registered = await c.call<RegisterBrokerResponse__Output>('RegisterBroker', {
      clusterId,
      brokerId,
      incarnationId: `incarnation-${brokerId}`,
      listeners: [{ listenerName: 'PLAINTEXT', host: '127.0.0.1', port: 9000 + brokerId }],
    });
    expect(registered.error).toBeNull();
    const beat = await c.call<BrokerHeartbeatResponse__Output>('BrokerHeartbeat', { brokerId, brokerEpoch: registered.brokerEpoch, metadataOffset: Number.MAX_SAFE_INTEGER });
    expect(beat.isFenced).toBe(false);
  }
}

describe('controller quorum of three processes', () => {
  it('keeps every acknowledged topic through a SIGKILL of the active controller, and a restarted one catches up from a snapshot', async () => {
    // Long broker sessions: this test plays the brokers and only heartbeats once.
    quorum = await ControllerQuorum.start({ extraArgs: ['--snapshot-after-entries', '25', '--broker-session-timeout-ms', '600000'] });
    client = quorum.client({ timeoutMs: 30_000 });
    await registerBrokers(client, quorum.clusterId, [101, 102, 103]);

    const acknowledged: string[] = [];
    const uncertain: string[] = [];
    let killed: number | undefined;
    for (let i = 0; i < 120; i++) {
      if (i === 60) {
        killed = await quorum.waitForLeader();
        await quorum.nodes.get(killed)!.kill();
      }
      const name = `topic-${i}`;
      try {
        const response = await client.call<CreateTopicsResponse__Output>('CreateTopics', { topics: [{ name, numPartitions: 2, replicationFactor: 3 }] });
        const code = response.error?.code ?? response.topics[0]!.errorCode;
        // A retry after a commit whose answer was lost finds the topic there: it was created once.
        if (code === 'NONE' || code === 'TOPIC_ALREADY_EXISTS') acknowledged.push(name);
        else uncertain.push(name);
      } catch {
        uncertain.push(name);
      }
    }
    const leader = await quorum.waitForLeader();
    expect(leader).not.toBe(killed);
    expect(acknowledged.length).toBeGreaterThanOrEqual(110);

    follower = new MetadataFollower({ client, controllers: [...quorum.addresses.values()], clusterId: quorum.clusterId, logger: pino({ level: 'silent' }) });
    follower.start();
    const state = await follower.waitFor((s) => s.offset > 0 && s.offset >= follower!.highWatermark && acknowledged.every((n) => topicByName(s, n) !== undefined), 30_000);
    const names = [...state.topicIdsByName.keys()];
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect([...acknowledged, ...uncertain]).toContain(name);
    for (const topic of state.topicsById.values()) expect(topic.partitions.size).toBe(2);

    // Restart the killed controller: it rejoins and catches up by snapshot.
    const restarted = quorum.nodes.get(killed!)!;
    restarted.start();
    await expect.poll(() => restarted.logs.includes('installed a snapshot from the leader'), { timeout: 30_000, interval: 50 }).toBe(true);
    await expect
      .poll(async () => {
        const q = await quorum!.describe();
        const voter = q.voters.find((v) => v.replicaId === killed);
        return voter !== undefined && voter.lag === 0;
      }, { timeout: 30_000, interval: 100 })
      .toBe(true);
  });
});
