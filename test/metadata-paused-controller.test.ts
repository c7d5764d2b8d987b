import { ControllerClient } from '@quill/controller';
import { createServiceClient, type CreateTopicsResponse__Output, type DescribeQuorumResponse__Output, type MetadataResponse__Output } from '@quill/proto';
import { ProcessCluster } from '@quill/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from './support/cluster-helpers.js';

// Issue 14 (`quill dev` and chaos pause faults): SIGSTOP the active controller. The quorum fails
// over, but each broker's FetchMetadata stream to the paused process neither errors nor ends, so
// brokers kept serving old metadata (an ISR the new controller had shrunk, topics it created)
// until the process resumed. What the new active controller commits must reach every broker
// within a few seconds while the old one is still paused.

/** The bound for a commit to reach every broker: failover detection plus a fetch timeout, with room. */
const PROPAGATION_DEADLINE_MS = 8_000;

let cluster: ProcessCluster | undefined;
const clients: ControllerClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await cluster?.stop();
  cluster = undefined;
});

function controllerClient(addresses: string[]): ControllerClient {
  const client = new ControllerClient({ controllers: addresses, timeoutMs: 30_000, attemptTimeoutMs: 500 });
  clients.push(client);
  return client;
}

/** Asks one broker (not the cluster) what it knows of `topic`. */
function brokerMetadata(address: string, topic: string): Promise<MetadataResponse__Output> {
  const broker = createServiceClient('Broker', address);
  return new Promise<MetadataResponse__Output>((resolve, reject) =>
    broker.Metadata({ topics: [topic] }, { deadline: Date.now() + 2_000 }, (error, response) => (error !== null || response === undefined ? reject(error ?? new Error('empty response')) : resolve(response))),
  ).finally(() => broker.close());
}

describe('metadata streams when the active controller is paused', () => {
  it('a topic the new active controller creates reaches every broker while the old one is stopped', async () => {
    cluster = await ProcessCluster.start({ brokers: 3, controllers: 3 });
    const controllers = [...cluster.nodes.values()].filter((n) => n.roles.includes('controller'));
    const brokers = [...cluster.nodes.values()].filter((n) => n.roles.includes('broker'));
    const all = controllerClient(controllers.map((n) => n.controllerAddress!));
    const before = await all.call<DescribeQuorumResponse__Output>('DescribeQuorum', {});
    const paused = before.leaderId;
    expect(paused).toBeGreaterThan(0);

    cluster.node(paused).process.pause();
    const survivors = controllerClient(controllers.filter((n) => n.id !== paused).map((n) => n.controllerAddress!));
    await eventually(async () => {
      const quorum = await survivors.call<DescribeQuorumResponse__Output>('DescribeQuorum', {});
      return quorum.leaderId > 0 && quorum.leaderId !== paused;
    }, 30_000, 'a new active controller');
    const created = await survivors.call<CreateTopicsResponse__Output>('CreateTopics', { topics: [{ name: 'after-pause', numPartitions: 2, replicationFactor: 3 }] });
    expect(created.topics[0]!.errorCode).toBe('NONE');
    const committedAt = Date.now();

    const seenAfterMs = await Promise.all(
      brokers.map(async (broker) => {
        try {
          await eventually(async () => {
            const topic = (await brokerMetadata(broker.brokerAddress!, 'after-pause')).topics[0];
            return topic?.errorCode === 'NONE' && topic.partitions.length === 2 && topic.partitions.every((p) => p.leaderId > 0);
          }, PROPAGATION_DEADLINE_MS, `broker ${broker.id} seeing the topic`);
          return Date.now() - committedAt;
        } catch {
          return -1;
        }
      }),
    );
    cluster.node(paused).process.resume();
    expect(seenAfterMs.every((ms) => ms >= 0), `ms until each broker saw the topic (-1: not within ${PROPAGATION_DEADLINE_MS} ms): ${seenAfterMs.join(', ')}`).toBe(true);
  });
});
