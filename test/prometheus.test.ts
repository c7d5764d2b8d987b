import type { Consumer, Quill } from '@quill/client';
import { eventually } from '@quill/test-support';
import { startCluster, type TestCluster } from '@quill/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTopicWithFullIsr } from './support/cluster-helpers.js';
import { PrometheusServer, prometheusInstalled } from './support/prometheus.js';

// A real Prometheus (Debian's package) scrapes every node of a 3-broker cluster each second; the
// test reads only through Prometheus's query API, as an operator's dashboard would.

const TOPIC = 'watched';
const PARTITIONS = 3;
const GROUP = 'lag-watch';
/** Records produced while the group's consumer is stopped: the lag Prometheus must show. */
const BACKLOG = 30;
const QUERY_TIMEOUT_MS = 15_000;
const QUERY_INTERVAL_MS = 250;

const installed = prometheusInstalled();

describe.skipIf(!installed)(installed ? 'metrics scraped by a real Prometheus' : 'Prometheus tests SKIPPED: no prometheus on PATH (.ci/run apt-installs it)', () => {
  let cluster: TestCluster;
  let prometheus: PrometheusServer;
  let quill: Quill;

  beforeAll(async () => {
    // A short replica lag bound so the leaders shrink the ISR of a killed broker's replicas fast.
    cluster = await startCluster({ brokers: 3, brokerConfig: { replicaLagTimeMaxMs: 1_000, groupInitialRebalanceDelayMs: 0 } });
    prometheus = await PrometheusServer.start(cluster.metricsUrls);
    quill = cluster.client();
    const admin = quill.admin();
    await admin.connect();
    await createTopicWithFullIsr(admin, TOPIC, PARTITIONS, 3);
    await admin.disconnect();
  });
  afterAll(async () => {
    await prometheus?.stop();
    await cluster?.stop();
  });

  /** Waits until Prometheus's answer to `query` satisfies `accept`; returns it. */
  const until = (query: string, accept: (value: number) => boolean, description: string): Promise<number> =>
    eventually(
      async () => {
        const value = await prometheus.value(query);
        return value !== undefined && accept(value) ? value : undefined;
      },
      { timeoutMs: QUERY_TIMEOUT_MS, intervalMs: QUERY_INTERVAL_MS, description },
    );

  const produce = async (count: number, from: number): Promise<void> => {
    const producer = quill.producer();
    await producer.connect();
    await producer.send({ topic: TOPIC, acks: -1, messages: Array.from({ length: count }, (_, i) => ({ key: `k${from + i}`, value: `v${from + i}` })) });
    await producer.disconnect();
  };

  /** A group member that reads TOPIC and commits; resolves once it has read `total` records in all. */
  const consumeUpTo = async (total: number, seen: Set<string>): Promise<Consumer> => {
    const consumer = quill.consumer({ groupId: GROUP, maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
    await consumer.run({ autoCommitInterval: 100, eachMessage: async ({ message }) => void seen.add(message.value!.toString()) });
    await eventually(async () => seen.size >= total, { timeoutMs: QUERY_TIMEOUT_MS, intervalMs: 50, description: `${total} records consumed` });
    return consumer;
  };

  it("shows a group's lag rising while its consumer is stopped and back to 0 once it resumes", async () => {
    const lag = `sum(quill_consumer_group_lag{group="${GROUP}",topic="${TOPIC}"})`;
    const seen = new Set<string>();
    await produce(10, 0);
    const first = await consumeUpTo(10, seen);
    await until(lag, (v) => v === 0, 'lag 0 while the consumer keeps up');
    await first.disconnect();

    await produce(BACKLOG, 10);
    expect(await until(lag, (v) => v >= BACKLOG, `lag ${BACKLOG} while the consumer is stopped`)).toBe(BACKLOG);

    const resumed = await consumeUpTo(10 + BACKLOG, seen);
    await until(lag, (v) => v === 0, 'lag back to 0 after the consumer resumed');
    await resumed.disconnect();
  });

  it('shows under-replicated partitions while a broker is down and none once it is back', async () => {
    const underReplicated = 'sum(quill_under_replicated_partitions)';
    await until(underReplicated, (v) => v === 0, 'no under-replicated partition at first');
    await cluster.kill(3);
    expect(await until(underReplicated, (v) => v > 0, 'under-replicated partitions with broker 3 down')).toBeGreaterThan(0);
    await cluster.restart(3);
    await until(underReplicated, (v) => v === 0, 'no under-replicated partition once broker 3 caught up');
    expect(await until('count(up{job="quill"} == 1)', (v) => v === cluster.metricsUrls.length, 'every node scraped again')).toBe(cluster.metricsUrls.length);
  });
});
