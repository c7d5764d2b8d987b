import { ProcessCluster } from '@quill/testing';
import { percentile } from './percentiles.js';

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
  const deadline = Date.now() + 120_000;
  for (;;) {
    const metadata = await admin.fetchTopicMetadata({ topics: ['failover'] });
    const partition = metadata.topics[0]?.partitions[0];
    if (partition !== undefined && partition.leader > 0 && partition.isr.length === 3) return partition;
    if (Date.now() > deadline) throw new Error('the ISR did not return to three replicas');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
