import { eventually } from '@quill/test-support';
import { ProcessCluster } from '@quill/testing';
import { percentile } from './percentiles.js';

/** How long the ISR has to return to three replicas between trials, in ms. */
const FULL_ISR_TIMEOUT_MS = 120_000;
/** How often the bench asks for the partition again while it waits, in ms. */
const POLL_INTERVAL_MS = 50;

export interface LeaderFailoverReport {
  trials: number;
  failoverMs: number[];
  medianMs: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * Partition leader failover time: SIGKILL of the partition leader's broker to the first acks=all
 * write acknowledged by the new leader. Three controllers and three brokers as processes, default
 * settings, RF=3; the killed broker is restarted and back in the ISR before the next trial.
 */
export async function benchLeaderFailover(trials: number, progress: (line: string) => void): Promise<LeaderFailoverReport> {
  const cluster = await ProcessCluster.start({ brokers: 3, controllers: 3, logLevel: 'warn' });
  // Fast client retries: the figure should measure the cluster, not the client's backoff.
  const quill = cluster.client({ retry: { retries: 200, initialRetryTimeMs: 10, maxRetryTimeMs: 50, factor: 0 }, requestTimeoutMs: 3_000 });
  const admin = quill.admin();
  const producer = quill.producer();
  const failoverMs: number[] = [];
  try {
    await admin.connect();
    await producer.connect();
    await admin.createTopics({ topics: [{ topic: 'failover', numPartitions: 1, replicationFactor: 3 }] });
    for (let trial = 0; trial < trials; trial++) {
      const partition = await fullIsr(admin);
      await producer.send({ topic: 'failover', acks: -1, messages: [{ value: `warm-${trial}`, partition: 0 }] });
      const started = performance.now();
      await cluster.node(partition.leader).process.kill();
      await producer.send({ topic: 'failover', acks: -1, messages: [{ value: `after-kill-${trial}`, partition: 0 }] });
      const elapsed = performance.now() - started;
      failoverMs.push(elapsed);
      progress(`trial ${trial + 1}/${trials}: killed broker ${partition.leader}, first acks=all write on the new leader after ${elapsed.toFixed(0)} ms`);
      cluster.node(partition.leader).process.start();
    }
  } finally {
    await producer.disconnect();
    await admin.disconnect();
    await cluster.stop();
  }
  return { trials, failoverMs, medianMs: percentile(failoverMs, 50), p99Ms: percentile(failoverMs, 99), maxMs: Math.max(...failoverMs) };
}

async function fullIsr(admin: ReturnType<ReturnType<ProcessCluster['client']>['admin']>) {
  return eventually(
    async () => {
      const metadata = await admin.fetchTopicMetadata({ topics: ['failover'] });
      const partition = metadata.topics[0]?.partitions[0];
      return partition !== undefined && partition.leader > 0 && partition.isr.length === 3 ? partition : undefined;
    },
    { timeoutMs: FULL_ISR_TIMEOUT_MS, intervalMs: POLL_INTERVAL_MS, description: 'the ISR back at three replicas' },
  );
}
