import { ControllerClient } from '@quill/metadata';
import type { BrokerHeartbeatResponse__Output, CreateTopicsResponse__Output, RegisterBrokerResponse__Output } from '@quill/proto';
import { eventually } from '@quill/test-support';
import { ControllerQuorum } from '@quill/testing';
import { percentile } from './percentiles.js';

/** How long a restarted controller has to catch up before the bench gives up, in ms. */
const CATCH_UP_TIMEOUT_MS = 60_000;
/** How often the bench asks the quorum again while it waits, in ms. */
const POLL_INTERVAL_MS = 50;

export interface FailoverReport {
  trials: number;
  failoverMs: number[];
  medianMs: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * Controller failover time: SIGKILL of the active controller to the first metadata write
 * committed by the new one, over `trials` kills (the killed node is restarted and caught up
 * between trials). Default timeouts, three controller processes on loopback.
 */
export async function benchControllerFailover(trials: number, progress: (line: string) => void): Promise<FailoverReport> {
  const quorum = await ControllerQuorum.start({ logLevel: 'warn', extraArgs: ['--broker-session-timeout-ms', '600000'] });
  // Aggressive retries: the figure should measure the quorum, not the client's backoff.
  const client = new ControllerClient({ controllers: [...quorum.addresses.values()], timeoutMs: 30_000, attemptTimeoutMs: 250, retryBackoffMs: 5 });
  const failoverMs: number[] = [];
  try {
    for (const brokerId of [1, 2, 3]) {
      const registered = await client.call<RegisterBrokerResponse__Output>('RegisterBroker', {
        clusterId: quorum.clusterId,
        brokerId,
        incarnationId: `bench-${brokerId}`,
        listeners: [{ listenerName: 'PLAINTEXT', host: '127.0.0.1', port: 9000 + brokerId }],
      });
      await client.call<BrokerHeartbeatResponse__Output>('BrokerHeartbeat', { brokerId, brokerEpoch: registered.brokerEpoch, metadataOffset: Number.MAX_SAFE_INTEGER });
    }
    for (let trial = 0; trial < trials; trial++) {
      const leader = await quorum.waitForLeader();
      const started = performance.now();
      await quorum.nodes.get(leader)!.kill();
      for (let attempt = 0; ; attempt++) {
        const response = await client.call<CreateTopicsResponse__Output>('CreateTopics', {
          topics: [{ name: `failover-${trial}-${attempt}`, numPartitions: 1, replicationFactor: 1 }],
        });
        if (response.error === null && response.topics[0]?.errorCode === 'NONE') break;
      }
      const elapsed = performance.now() - started;
      failoverMs.push(elapsed);
      progress(`trial ${trial + 1}/${trials}: killed controller ${leader}, new leader committed a write after ${elapsed.toFixed(0)} ms`);
      quorum.nodes.get(leader)!.start();
      await waitCaughtUp(quorum, leader);
    }
  } finally {
    client.close();
    await quorum.stop();
  }
  return { trials, failoverMs, medianMs: percentile(failoverMs, 50), p99Ms: percentile(failoverMs, 99), maxMs: Math.max(...failoverMs) };
}

async function waitCaughtUp(quorum: ControllerQuorum, id: number): Promise<void> {
  await eventually(
    async () => {
      const state = await quorum.describe();
      return state.voters.find((v) => v.replicaId === id)?.lag === 0 && state.voters.every((v) => v.lag === 0);
    },
    { timeoutMs: CATCH_UP_TIMEOUT_MS, intervalMs: POLL_INTERVAL_MS, description: `controller ${id} caught up after its restart` },
  );
}
