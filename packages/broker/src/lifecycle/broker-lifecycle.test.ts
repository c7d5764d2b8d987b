import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ControllerNode } from '@quill/controller';
import { ControllerClient } from '@quill/metadata';
import type { BrokerHeartbeatResponse__Output, RegisterBrokerResponse__Output } from '@quill/proto';
import { freePort } from '@quill/test-support';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveBrokerConfig } from '../config.js';
import { BrokerLifecycle } from './broker-lifecycle.js';

// The broker lifecycle against a real single-voter controller (in process, real gRPC and level).

const CLUSTER = 'lifecycle-test';
const SESSION_TIMEOUT_MS = 300;
const logger = pino({ level: 'silent' });

let root: string | undefined;
let controller: ControllerNode | undefined;
const clients: ControllerClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await controller?.stop();
  if (root !== undefined) fs.rmSync(root, { recursive: true, force: true });
  controller = root = undefined;
});

async function startController(port?: number): Promise<string> {
  root ??= fs.mkdtempSync(path.join(os.tmpdir(), 'quill-lifecycle-'));
  const listen = { host: '127.0.0.1', port: port ?? (await freePort()) };
  controller = await ControllerNode.start({
    nodeId: 1,
    clusterId: CLUSTER,
    listen,
    voters: new Map([[1, listen]]),
    dataDir: path.join(root, 'controller'),
    logger,
    brokerSessionTimeoutMs: SESSION_TIMEOUT_MS,
  });
  return `${listen.host}:${listen.port}`;
}

function controllerClient(address: string, timeoutMs = 10_000): ControllerClient {
  const client = new ControllerClient({ controllers: [address], timeoutMs });
  clients.push(client);
  return client;
}

describe('BrokerLifecycle', () => {
  it('keeps trying to register while no controller answers yet, as after a whole cluster restarted', async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-lifecycle-'));
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const config = resolveBrokerConfig({ nodeId: 7, clusterId: CLUSTER, listen: { host: '127.0.0.1', port: 9999 }, controllers: [address], dataDir: root });
    // A controller call gives up after 300 ms; the registration must outlast that.
    const lifecycle = new BrokerLifecycle(config, config.listen, controllerClient(address, 300), () => 0, logger);
    const registered = lifecycle.register();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await startController(port);
    await registered;
    expect(lifecycle.brokerEpoch).toBeGreaterThanOrEqual(0);
  });

  it('gives up registering after initialBrokerRegistrationTimeoutMs without a controller', async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-lifecycle-'));
    const address = `127.0.0.1:${await freePort()}`;
    const config = resolveBrokerConfig({
      nodeId: 7,
      clusterId: CLUSTER,
      listen: { host: '127.0.0.1', port: 9999 },
      controllers: [address],
      dataDir: root,
      initialBrokerRegistrationTimeoutMs: 500,
    });
    const lifecycle = new BrokerLifecycle(config, config.listen, controllerClient(address), () => 0, logger);
    const started = Date.now();
    await expect(lifecycle.register()).rejects.toMatchObject({ code: 'NOT_CONTROLLER' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('stops at once when, during a controlled shutdown, the controller has already dropped its registration', async () => {
    const address = await startController();
    const config = resolveBrokerConfig({ nodeId: 7, clusterId: CLUSTER, listen: { host: '127.0.0.1', port: 9999 }, controllers: [address], dataDir: root! });
    const lifecycle = new BrokerLifecycle(config, config.listen, controllerClient(address), () => 0, logger);
    await lifecycle.register();
    const staleEpoch = lifecycle.brokerEpoch;

    // The lifecycle never heartbeats (not started), so its session ends and another incarnation
    // of broker 7 takes the id: the controller now answers the first with STALE_BROKER_EPOCH.
    const other = controllerClient(address);
    let newer: RegisterBrokerResponse__Output | undefined;
    const deadline = Date.now() + 30_000;
    while (newer === undefined) {
      const response = await other.call<RegisterBrokerResponse__Output>('RegisterBroker', {
        clusterId: CLUSTER,
        brokerId: 7,
        incarnationId: 'another-incarnation',
        listeners: [{ listenerName: 'PLAINTEXT', host: '127.0.0.1', port: 9998 }],
      });
      if (response.error === null || response.error.code === 'NONE') newer = response;
      else if (response.error.code !== 'DUPLICATE_BROKER_REGISTRATION' || Date.now() > deadline) throw new Error(`registration refused: ${response.error.code}`);
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(newer.brokerEpoch).not.toBe(staleEpoch);

    await lifecycle.controlledShutdown();

    // It did not register again, which would have taken broker 7 back from the newer incarnation.
    expect(lifecycle.brokerEpoch).toBe(staleEpoch);
    const beat = await other.call<BrokerHeartbeatResponse__Output>('BrokerHeartbeat', { brokerId: 7, brokerEpoch: newer.brokerEpoch, metadataOffset: 0 });
    expect(beat.error?.code ?? 'NONE').toBe('NONE');
  });
});
