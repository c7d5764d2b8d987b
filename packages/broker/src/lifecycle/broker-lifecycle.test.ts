import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { ControllerClient } from '@quill/metadata';
import {
  loadQuillPackage,
  type BrokerHeartbeatRequest__Output,
  type BrokerHeartbeatResponse,
  type ControllerHandlers,
  type RegisterBrokerRequest__Output,
  type RegisterBrokerResponse,
} from '@quill/proto';
import { eventually, freePort } from '@quill/test-support';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveBrokerConfig, type BrokerConfig } from '../config.js';
import { BrokerLifecycle } from './broker-lifecycle.js';

// The broker lifecycle through a real ControllerClient and gRPC, against a scripted Controller
// service standing in for the active controller: what it answers is the script; what the broker
// does with the answers is under test.

const CLUSTER = 'lifecycle-test';
const BROKER_ID = 7;
const BROKER_EPOCH = 5;
const logger = pino({ level: 'silent' });

interface ScriptedController {
  readonly registrations: RegisterBrokerRequest__Output[];
  readonly heartbeats: BrokerHeartbeatRequest__Output[];
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

/** A controller that accepts every registration and answers every heartbeat with `heartbeat`. */
async function startScriptedController(port: number, heartbeat: BrokerHeartbeatResponse): Promise<ScriptedController> {
  const script: ScriptedController = { registrations: [], heartbeats: [] };
  const handlers: Partial<ControllerHandlers> = {
    RegisterBroker: (call, callback) => {
      script.registrations.push(call.request);
      callback(null, { brokerEpoch: BROKER_EPOCH } satisfies RegisterBrokerResponse);
    },
    BrokerHeartbeat: (call, callback) => {
      script.heartbeats.push(call.request);
      callback(null, heartbeat);
    },
  };
  const server = new grpc.Server();
  server.addService(loadQuillPackage().quill.v1.Controller.service, handlers as grpc.UntypedServiceImplementation);
  await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  cleanups.push(() => server.forceShutdown());
  return script;
}

function brokerConfig(address: string, overrides: { initialBrokerRegistrationTimeoutMs?: number } = {}): BrokerConfig {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-lifecycle-'));
  cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  return resolveBrokerConfig({ nodeId: BROKER_ID, clusterId: CLUSTER, listen: { host: '127.0.0.1', port: 9999 }, controllers: [address], dataDir, ...overrides });
}

function controllerClient(address: string, timeoutMs = 10_000): ControllerClient {
  const client = new ControllerClient({ controllers: [address], timeoutMs });
  cleanups.push(() => client.close());
  return client;
}

describe('BrokerLifecycle', () => {
  it('keeps trying to register while no controller answers yet, as after a whole cluster restarted', async () => {
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const config = brokerConfig(address);
    // Until the controller is up, its port drops every connection (a node still starting).
    let refused = 0;
    const refusing = net.createServer((socket) => {
      refused++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => refusing.listen(port, '127.0.0.1', resolve));
    // The client's own call timeout is short: the registration's deadline, not it, bounds the retries.
    const lifecycle = new BrokerLifecycle(config, config.listen, controllerClient(address, 300), () => 0, logger);
    const registered = lifecycle.register();
    await eventually(() => refused >= 3, { description: 'three refused registration attempts' });
    await new Promise<void>((resolve) => refusing.close(() => resolve()));
    const controller = await startScriptedController(port, { isFenced: true });
    await registered;
    expect(lifecycle.brokerEpoch).toBe(BROKER_EPOCH);
    expect(controller.registrations.map((r) => r.brokerId)).toEqual([BROKER_ID]);
  });

  it('gives up registering after initialBrokerRegistrationTimeoutMs without a controller', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const config = brokerConfig(address, { initialBrokerRegistrationTimeoutMs: 500 });
    const lifecycle = new BrokerLifecycle(config, config.listen, controllerClient(address), () => 0, logger);
    const started = Date.now();
    await expect(lifecycle.register()).rejects.toMatchObject({ code: 'NOT_CONTROLLER' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('stops at once when, during a controlled shutdown, the controller has already dropped its registration', async () => {
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    // Another incarnation took the broker id meanwhile: the controller no longer knows this epoch.
    const controller = await startScriptedController(port, { error: { code: 'STALE_BROKER_EPOCH', message: 'another incarnation registered' } });
    const config = brokerConfig(address);
    const lifecycle = new BrokerLifecycle(config, config.listen, controllerClient(address), () => 0, logger);
    await lifecycle.register();

    const started = Date.now();
    await lifecycle.controlledShutdown();

    // It did not register again, which would have taken the broker id back from the newer incarnation.
    expect(controller.registrations).toHaveLength(1);
    expect(lifecycle.brokerEpoch).toBe(BROKER_EPOCH);
    expect(controller.heartbeats.map((h) => h.wantShutdown)).toEqual([true]);
    expect(Date.now() - started).toBeLessThan(config.controlledShutdownTimeoutMs);
  });
});
