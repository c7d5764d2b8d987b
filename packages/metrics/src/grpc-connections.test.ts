import { Client, Server, ServerCredentials, credentials } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { grpcConnectionCounter } from './grpc-connections.js';

const CLIENTS = 3;
let server: Server | undefined;
const clients: Client[] = [];

afterEach(() => {
  for (const client of clients.splice(0)) client.close();
  server?.forceShutdown();
});

async function until(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('grpcConnectionCounter', () => {
  it('counts each open client connection and none once they close', async () => {
    server = new Server();
    const port = await new Promise<number>((resolve, reject) =>
      server!.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    const count = grpcConnectionCounter(server);
    expect(await count()).toBe(0);
    for (let i = 0; i < CLIENTS; i++) {
      // A local subchannel pool gives each client its own connection instead of one shared.
      const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
      clients.push(client);
      await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + 5_000, (error) => (error ? reject(error) : resolve())));
    }
    await until(async () => (await count()) === CLIENTS);
    for (const client of clients.splice(0)) client.close();
    await until(async () => (await count()) === 0);
  });
});
