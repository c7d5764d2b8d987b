import { Client, credentials } from '@grpc/grpc-js';
import { startCluster, type TestCluster } from '@quill/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';

// quill_connections{listener="grpc"} on a broker's /metrics follows the client connections
// opened to its gRPC port and closed again.

const CLIENTS = 3;
const WAIT_MS = 10_000;

let cluster: TestCluster | undefined;
beforeAll(async () => {
  cluster = await startCluster({ brokers: 1, controllers: 1 });
}, 60_000);
afterAll(async () => cluster?.stop());

async function grpcConnections(): Promise<number> {
  const text = await (await fetch(cluster!.metricsUrl(1))).text();
  const match = /^quill_connections\{listener="grpc"\} (\d+)$/m.exec(text);
  if (match === null) throw new Error('no quill_connections{listener="grpc"} in the scrape');
  return Number(match[1]);
}

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} within ${WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('quill_connections on the gRPC listener', () => {
  it('rises by each client channel connected and falls back when they close', async () => {
    const baseline = await grpcConnections();
    const clients = Array.from({ length: CLIENTS }, () => new Client(cluster!.bootstrap[0]!, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }));
    try {
      await Promise.all(clients.map((client) => new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + WAIT_MS, (error) => (error ? reject(error) : resolve())))));
      await until(async () => (await grpcConnections()) === baseline + CLIENTS, `the gauge at ${baseline + CLIENTS}`);
    } finally {
      for (const client of clients) client.close();
    }
    await until(async () => (await grpcConnections()) === baseline, `the gauge back at ${baseline}`);
  });
});
