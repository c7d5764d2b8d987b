import { ControllerClient } from '@quill/metadata';
import { createServiceClient, type CreateTopicsResponse__Output, type DescribeQuorumResponse__Output, type MetadataResponse__Output } from '@quill/proto';
import { eventually } from '@quill/test-support';
import { ProcessCluster } from '@quill/testing';
import { afterEach, describe, expect, it } from 'vitest';

// SIGSTOP the active controller, as `quill dev` users and chaos pause faults do. The quorum fails
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

/** The bound, from the pause, for the shrunk ISR to reach every live broker: election, session, fetch timeout, with room. */
const SHRINK_DEADLINE_MS = 12_000;

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
    }, { timeoutMs: 30_000, intervalMs: 50, description: 'a new active controller' });
    const created = await survivors.call<CreateTopicsResponse__Output>('CreateTopics', { topics: [{ name: 'after-pause', numPartitions: 2, replicationFactor: 3 }] });
    expect(created.topics[0]!.errorCode).toBe('NONE');
    const committedAt = Date.now();

    const seenAfterMs = await Promise.all(
      brokers.map(async (broker) => {
        try {
          await eventually(async () => {
            const topic = (await brokerMetadata(broker.brokerAddress!, 'after-pause')).topics[0];
            return topic?.errorCode === 'NONE' && topic.partitions.length === 2 && topic.partitions.every((p) => p.leaderId > 0);
          }, { timeoutMs: PROPAGATION_DEADLINE_MS, intervalMs: 50, description: `broker ${broker.id} seeing the topic` });
          return Date.now() - committedAt;
        } catch {
          return -1;
        }
      }),
    );
    cluster.node(paused).process.resume();
    expect(seenAfterMs.every((ms) => ms >= 0), `ms until each broker saw the topic (-1: not within ${PROPAGATION_DEADLINE_MS} ms): ${seenAfterMs.join(', ')}`).toBe(true);
  });

  it('in combined mode, the ISR without the paused active controller node reaches the other brokers', async () => {
    // The case found in `quill dev`: the paused node is the active controller and a broker; the new
    // controller fences its broker and shrinks the ISR, which the other brokers must apply.
    cluster = await ProcessCluster.start({ brokers: 3, combined: true });
    const nodes = [...cluster.nodes.values()];
    const all = controllerClient(nodes.map((n) => n.controllerAddress!));
    const created = await all.call<CreateTopicsResponse__Output>('CreateTopics', { topics: [{ name: 'shrinks', numPartitions: 1, replicationFactor: 3 }] });
    expect(created.topics[0]!.errorCode).toBe('NONE');
    const isrOn = async (address: string): Promise<number[] | undefined> => {
      const partition = (await brokerMetadata(address, 'shrinks')).topics[0]?.partitions[0];
      return partition === undefined || partition.leaderId <= 0 ? undefined : [...partition.isr].sort((a, b) => a - b);
    };
    for (const node of nodes) await eventually(async () => (await isrOn(node.brokerAddress!))?.length === 3, { timeoutMs: 30_000, intervalMs: 50, description: `node ${node.id} seeing the full ISR` });
    const paused = (await all.call<DescribeQuorumResponse__Output>('DescribeQuorum', {})).leaderId;
    expect(paused).toBeGreaterThan(0);

    cluster.node(paused).process.pause();
    const pausedAt = Date.now();
    const live = nodes.filter((n) => n.id !== paused);
    const expected = live.map((n) => n.id).sort((a, b) => a - b);
    const seenAfterMs = await Promise.all(
      live.map(async (node) => {
        try {
          await eventually(async () => JSON.stringify(await isrOn(node.brokerAddress!)) === JSON.stringify(expected), { timeoutMs: SHRINK_DEADLINE_MS, intervalMs: 50, description: `node ${node.id} seeing the shrunk ISR` });
          return Date.now() - pausedAt;
        } catch {
          return -1;
        }
      }),
    );
    cluster.node(paused).process.resume();
    expect(seenAfterMs.every((ms) => ms >= 0), `ms from the pause until each live broker saw ISR ${JSON.stringify(expected)} (-1: not within ${SHRINK_DEADLINE_MS} ms): ${seenAfterMs.join(', ')}`).toBe(true);
  });
});
